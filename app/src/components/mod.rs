//! Reusable components, one per file.

pub mod chart;
mod dumbbell_chart;
mod figures_table;
mod fixed_answer;
mod footer;
mod header;
mod lang_switch;
mod live_refresh;
mod network_chart;
mod progress_bar;
pub mod question_field;
mod section_form;
mod share_chart;
mod staff_errors;
mod staff_field;
mod staff_nav;
mod submit_form;
mod tap_rank;

pub use dumbbell_chart::{DumbbellChart, DumbbellRow};
pub use figures_table::{FiguresRow, FiguresTable};
pub use fixed_answer::FixedAnswer;
pub use footer::Footer;
pub use header::Header;
pub use lang_switch::{LangSwitch, lang_cookie_options};
pub use live_refresh::LiveRefresh;
pub use network_chart::{NetworkChart, NetworkEdge, NetworkNode};
pub use progress_bar::ProgressBar;
pub use question_field::QuestionField;
pub use section_form::{SectionForm, paragraphs};
pub use share_chart::{ChartRow, ShareChart};
pub use staff_errors::StaffErrors;
pub use staff_field::StaffField;
pub use staff_nav::StaffNav;
pub use submit_form::SubmitForm;
pub use tap_rank::TapRank;
