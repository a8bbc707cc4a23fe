//! The document shell and the root component with its routes.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

use crate::components::{Footer, Header};
use crate::i18n::{I18nContextProvider, t_string, use_i18n};
use crate::pages::{
    AnalysisDashboard, EndPage, HomePage, MonitorDashboard, NotFoundPage, ReviewPage, SectionPage,
    StaffAuditPage, StaffExportsPage, StaffHomePage, StaffLinksPage, StaffPasswordPage,
    StaffSignInPage, StaffTokensPage, StaffUsersPage, WelcomePage,
};

/// The whole HTML document, rendered on the server around [`App`].
/// `<html lang>` is set by the i18n provider, not here.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: language context, page title, layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider
            cookie_name=canvass_core::lang::COOKIE_NAME
            cookie_options=crate::components::lang_cookie_options()
        >
            <Layout />
        </I18nContextProvider>
    }
}

#[component]
fn Layout() -> impl IntoView {
    let i18n = use_i18n();
    // Titles of pages rendered with `SsrMode::Async` are plain strings worked out while the
    // page renders: there leptos_meta applies a title closure after the render, outside the
    // request's reactive arena (a panic with `sandboxed-arenas`). The brand is the same in
    // every language.
    let brand = t_string!(i18n, brand);
    view! {
        <Title formatter=move |page: String| format!("{page} · {brand}") />
        <Router>
            <div class="page">
                <a class="skip-link" href="#main">
                    {move || t_string!(i18n, skip_to_content)}
                </a>
                <Header />
                <main id="main" tabindex="-1">
                    <Routes fallback=NotFoundPage>
                        <Route path=StaticSegment("") view=HomePage />
                        // The respondent's pages render completely before they are sent
                        // (a status or a redirect can still be set; no streaming scripts).
                        <Route
                            path=(StaticSegment("s"), ParamSegment("slug"))
                            view=WelcomePage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("r"), ParamSegment("code"), StaticSegment("review"))
                            view=ReviewPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("r"), ParamSegment("code"), StaticSegment("end"))
                            view=EndPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("r"), ParamSegment("code"), ParamSegment("section"))
                            view=SectionPage
                            ssr=SsrMode::Async
                        />
                        // Staff pages: server-rendered forms that post (the dashboard has one
                        // island, its live refresh).
                        <Route
                            path=(StaticSegment("monitor"), ParamSegment("slug"))
                            view=MonitorDashboard
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("analysis"), ParamSegment("slug"))
                            view=AnalysisDashboard
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment("staff") view=StaffHomePage ssr=SsrMode::Async />
                        <Route
                            path=(StaticSegment("staff"), StaticSegment("sign-in"))
                            view=StaffSignInPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("staff"), StaticSegment("password"))
                            view=StaffPasswordPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("staff"), StaticSegment("users"))
                            view=StaffUsersPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(
                                StaticSegment("staff"),
                                StaticSegment("surveys"),
                                ParamSegment("slug"),
                                StaticSegment("links"),
                            )
                            view=StaffLinksPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(
                                StaticSegment("staff"),
                                StaticSegment("surveys"),
                                ParamSegment("slug"),
                                StaticSegment("exports"),
                            )
                            view=StaffExportsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("staff"), StaticSegment("tokens"))
                            view=StaffTokensPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("staff"), StaticSegment("audit"))
                            view=StaffAuditPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
                <Footer />
            </div>
        </Router>
    }
}
