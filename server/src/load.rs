//! A respondent's side of a load: one keep-alive HTTP/1.1 connection posting the forms a
//! browser without JavaScript posts. Shared by `canvass bench-http` and `canvass faults`.

use std::net::SocketAddr;

use axum::body::Body;
use canvass_core::answers::RawAnswers;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;

/// A form body, percent-encoded.
pub fn encode(fields: &RawAnswers) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    fields
        .iter()
        .flat_map(|(name, values)| {
            values
                .iter()
                .map(move |v| format!("{}={}", enc(name), enc(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What the server answered, without the body (read to its end and dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// `Location`, or empty.
    pub location: String,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<u64>,
}

/// One respondent's connection.
pub struct Client {
    sender: hyper::client::conn::http1::SendRequest<Body>,
}

impl Client {
    pub async fn connect(address: SocketAddr) -> anyhow::Result<Client> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Client { sender })
    }

    /// Posts a form.
    pub async fn post(&mut self, path: &str, body: String) -> anyhow::Result<Reply> {
        let request = axum::http::Request::post(path)
            .header("host", "127.0.0.1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))?;
        self.send(request).await
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        let request = axum::http::Request::get(path)
            .header("host", "127.0.0.1")
            .body(Body::empty())?;
        self.send(request).await
    }

    async fn send(&mut self, request: axum::http::Request<Body>) -> anyhow::Result<Reply> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let reply = Reply {
            status: response.status().as_u16(),
            location: header("location"),
            retry_after: header("retry-after").parse().ok(),
        };
        response.into_body().collect().await?;
        Ok(reply)
    }
}

/// The resume code in a resume link's `Location` (`/r/{code}/…`).
pub fn resume_code(location: &str) -> Option<&str> {
    location.strip_prefix("/r/")?.split('/').next()
}

/// The value at fraction `p` of sorted durations, in milliseconds (NaN when empty).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_percent_encodes_everything_but_plain_characters() {
        let mut fields = RawAnswers::new();
        fields.insert("q_1".into(), vec!["a b".into(), "中".into()]);
        assert_eq!(encode(&fields), "q_1=a%20b&q_1=%E4%B8%AD");
    }

    #[test]
    fn the_resume_code_is_read_from_a_resume_link() {
        assert_eq!(resume_code("/r/abc/profile"), Some("abc"));
        assert_eq!(resume_code("/s/ai-collab"), None);
    }
}
