//! The discrete-event engine: simulated time, the event calendar, random streams and
//! duration distributions.
//!
//! The engine knows nothing about platforms, regulators or content. It does no I/O, so
//! nothing in it can fail on user input.

pub mod calendar;
pub mod counts;
pub mod dist;
pub mod random;
pub mod time;

pub use calendar::{Calendar, EventKey};
pub use counts::{Binomial, Poisson};
pub use dist::DurationDist;
pub use random::{stream, stream_at, LazyStream, ProcessKey, Stream};
pub use time::{SimDuration, SimTime};
