//! API tokens: made and revoked by admins.

use canvass_core::ids::{StaffId, TokenId};
use sqlx::PgConnection;

use crate::audit::{self, Action};
use crate::tokens::{self, ApiToken, Revoked, Scope, TokenName};

/// Makes a token on behalf of `by`, with the audit entry (its prefix and scope:
/// `cnv_1a2b3c4d (ai-collab; stats, export; 90 days)`). The token is stored only as its
/// hash: this is the one time it can be shown.
pub async fn create_token(
    conn: &mut PgConnection,
    by: StaffId,
    name: &TokenName,
    scope: &Scope,
) -> Result<ApiToken, sqlx::Error> {
    let (_, token) = tokens::create(conn, name, Some(by), scope).await?;
    let survey = match scope.survey {
        Some(id) => crate::surveys::slug_of(conn, id).await?,
        None => "every survey".to_owned(),
    };
    let uses = [
        (scope.uses.stats, "stats"),
        (scope.uses.analysis, "analysis"),
        (scope.uses.export, "export"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>()
    .join(", ");
    let detail = format!(
        "{} ({survey}; {uses}; {} days)",
        token.prefix(),
        scope.lifetime.days()
    );
    audit::record(conn, Some(by), Action::TokenCreated, None, Some(&detail)).await?;
    Ok(token)
}

/// Revokes token `id` for good, with the audit entry when it was active.
pub async fn revoke_token(
    conn: &mut PgConnection,
    by: StaffId,
    id: TokenId,
) -> Result<Revoked, sqlx::Error> {
    let revoked = tokens::revoke(conn, id).await?;
    if let Revoked::Now { prefix } = &revoked {
        audit::record(conn, Some(by), Action::TokenRevoked, None, Some(prefix)).await?;
    }
    Ok(revoked)
}
