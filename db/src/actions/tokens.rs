//! API tokens: made and revoked by admins.

use canvass_core::ids::{StaffId, TokenId};
use sqlx::PgConnection;

use crate::audit::{self, Action};
use crate::tokens::{self, ApiToken, Revoked, TokenName};

/// Makes a token on behalf of `by`, with the audit entry (its prefix). The token is
/// stored only as its hash: this is the one time it can be shown.
pub async fn create_token(
    conn: &mut PgConnection,
    by: StaffId,
    name: &TokenName,
    may_export: bool,
) -> Result<ApiToken, sqlx::Error> {
    let (_, token) = tokens::create(conn, name, Some(by), may_export).await?;
    let detail = if may_export {
        format!("{} (may export)", token.prefix())
    } else {
        token.prefix().to_owned()
    };
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
