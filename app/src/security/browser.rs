/// In the browser the status is already sent: nothing to do.
pub fn set_status(_code: u16) {}

/// In the browser the policy is already in force: nothing to do.
pub fn send_content_security_policy() {}
