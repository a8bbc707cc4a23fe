//! `canvass create-admin`: an administrator account, typically the first. The password is
//! read from standard input (a hidden prompt when that is a terminal), never from the
//! command line, where it would stay in the shell history and the process list.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use canvass_core::ids::StaffId;
use canvass_core::staff::{DisplayName, Password, StaffEmail, StaffRole};
use canvass_db::PgPool;
use canvass_db::accounts;
use canvass_db::audit::{self, Action};

/// Creates an active admin account, recorded in the audit log as made from the command
/// line; every refused input is a clear error.
pub async fn create_admin(
    pool: &PgPool,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<StaffId> {
    let email = StaffEmail::parse(email).context("--email")?;
    let name = DisplayName::parse(name).context("--name")?;
    let password = Password::parse(password, &email).context("password")?;
    let hash = accounts::hash(&password).await?;
    // The account and its audit entry land together or not at all.
    let mut tx = pool.begin().await.context("no database connection")?;
    let id = accounts::create(&mut tx, &email, &name, StaffRole::Admin, &hash).await?;
    audit::record(&mut tx, None, Action::UserCreated, Some(id), Some("admin")).await?;
    tx.commit().await?;
    Ok(id)
}

/// The new password: typed twice at a hidden prompt on a terminal, else the first line of
/// standard input (for scripts: `printf '%s\n' "$PASSWORD" | canvass create-admin …`).
pub fn read_password(email: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {email}: "))?;
        let second = rpassword::prompt_password("Once more: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Makes an API token on behalf of the active admin at `by` (the audit log says so, as
/// for one made on the tokens page) and returns it: the one time it can be shown.
/// `survey` is a slug, or `*` for every survey; `uses` a comma-separated list of `stats`,
/// `analysis`, `export`; `days` one of the lifetimes the page offers.
pub async fn create_token(
    pool: &PgPool,
    by: &str,
    name: &str,
    survey: &str,
    uses: &str,
    days: &str,
) -> anyhow::Result<String> {
    use canvass_db::tokens::{Lifetime, Scope, TokenName, Uses};
    let email = StaffEmail::parse(by).context("--by")?;
    let name = TokenName::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let lifetime = Lifetime::parse(days).with_context(|| {
        format!(
            "--days: one of {}",
            Lifetime::CHOICES.map(|d| d.to_string()).join(", ")
        )
    })?;
    let mut wanted = Uses {
        stats: false,
        analysis: false,
        export: false,
    };
    for part in uses.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "stats" => wanted.stats = true,
            "analysis" => wanted.analysis = true,
            "export" => wanted.export = true,
            other => anyhow::bail!("--uses: {other:?} is not stats, analysis or export"),
        }
    }
    anyhow::ensure!(
        wanted.any(),
        "--uses: name at least one of stats, analysis, export"
    );
    let mut tx = pool.begin().await.context("no database connection")?;
    let maker = accounts::by_email(&mut tx, &email)
        .await?
        .filter(|u| u.active && u.role == StaffRole::Admin)
        .context("--by: no active admin account has this e-mail address")?;
    let survey = match survey.trim() {
        "*" => None,
        slug => Some(
            canvass_db::surveys::latest(&mut tx, slug)
                .await?
                .with_context(|| format!("--survey: no survey {slug:?}"))?
                .survey_id,
        ),
    };
    let scope = Scope {
        survey,
        uses: wanted,
        lifetime,
    };
    let token = canvass_db::actions::tokens::create_token(&mut tx, maker.id, &name, &scope).await?;
    tx.commit().await?;
    Ok(token.reveal().to_owned())
}
