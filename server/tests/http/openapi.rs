//! `/api/v1/openapi.json`: the JSON API's document, and each operation it lists answering
//! where it says.

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::support::{app, get, send};

/// (method, path) of every operation the document lists.
fn operations(document: &serde_json::Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            found.push((method.clone(), path.clone()));
        }
    }
    found.sort();
    found
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn the_openapi_document_lists_every_operation_of_the_json_api(pool: PgPool) {
    let reply = get(app(pool), "/api/v1/openapi.json", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    let document: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
    assert!(document["openapi"].as_str().unwrap_or("").starts_with("3."));
    let expected: Vec<(String, String)> = [
        ("get", "/api/v1/surveys/{slug}/analysis"),
        ("get", "/api/v1/surveys/{slug}/analysis.csv"),
        ("get", "/api/v1/surveys/{slug}/exports"),
        ("post", "/api/v1/surveys/{slug}/exports"),
        ("get", "/api/v1/surveys/{slug}/exports/{id}"),
        ("post", "/api/v1/surveys/{slug}/exports/{id}/cancel"),
        ("get", "/api/v1/surveys/{slug}/exports/{id}/download"),
        ("get", "/api/v1/surveys/{slug}/exports/{id}/risk"),
        ("get", "/api/v1/surveys/{slug}/stats"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(operations(&document), expected);
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "canvass_staff");
    // Every operation is open to either, and names its survey with an example that exists.
    assert_eq!(
        document["security"],
        serde_json::json!([{"token": []}, {"session": []}])
    );
    let stats = &document["paths"]["/api/v1/surveys/{slug}/stats"]["get"];
    assert_eq!(stats["parameters"][0]["name"], "slug");
    assert_eq!(stats["parameters"][0]["example"], "ai-collab");
}

/// Each operation the document lists is routed: without credentials it answers the 401
/// the document promises, as JSON, and not the site's 404 page; a post without a token
/// must come from this site, and is otherwise refused as JSON too.
#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn every_documented_operation_answers_401_json_without_credentials(pool: PgPool) {
    let document: serde_json::Value =
        serde_json::from_str(canvass_server::routes::openapi::document()).expect("JSON");
    let call = |method: &str, uri: &str, from_here: bool| {
        let mut request = axum::http::Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(uri)
            .header("host", "localhost")
            .header("content-type", "application/json");
        if from_here {
            request = request.header("origin", "http://localhost");
        }
        request.body(axum::body::Body::from("{}")).expect("request")
    };
    for (method, path) in operations(&document) {
        let uri = path.replace("{slug}", "ai-collab").replace("{id}", "1");
        let reply = send(app(pool.clone()), call(&method, &uri, true)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(
            reply.header("content-type"),
            "application/json",
            "{method} {uri}"
        );
        assert_eq!(
            reply.body, r#"{"error":"sign in or send an API token"}"#,
            "{method} {uri}"
        );
        if method == "post" {
            let reply = send(app(pool.clone()), call(&method, &uri, false)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
            assert_eq!(reply.header("content-type"), "application/json");
            assert_eq!(
                reply.body,
                r#"{"error":"a post with a staff session must come from this site (its Origin header); a program sends an API token"}"#
            );
        }
    }
}
