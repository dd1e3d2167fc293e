//! The replications of a run, kept for the tables: the first ones in memory, the rest
//! in a temporary file once there are many, so that a run's memory stays flat however
//! many replications it has (100,000 replications of the flagship would otherwise hold
//! about 65 MB of records).
//!
//! Spilled records are encoded with postcard, floats exactly as computed, one after
//! another, each behind its length. Reading them back yields the records a run held
//! in memory, in replication order.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::sync::Arc;

use crate::model::ReplicationOutcome;

/// Replications kept in memory before the rest go to a temporary file: enough that
/// every ordinary run stays in memory, few enough that their records (about 0.6 KB
/// each) are a small share of a run's memory.
pub const IN_MEMORY: usize = 2048;

/// The replications of one run, in replication order. Cloning shares the file.
#[derive(Clone, Debug, Default)]
pub struct Replications {
    in_memory: Vec<ReplicationOutcome>,
    /// The replications beyond the limit; removed when the last clone is dropped.
    file: Option<Arc<tempfile::NamedTempFile>>,
    len: usize,
}

/// Keeps a run's replications as they finish; [`ReplicationsWriter::finish`] gives
/// them as [`Replications`].
#[derive(Debug)]
pub struct ReplicationsWriter {
    in_memory: Vec<ReplicationOutcome>,
    file: Option<(tempfile::NamedTempFile, BufWriter<File>)>,
    len: usize,
    in_memory_limit: usize,
}

/// Why the replications could not be kept or read back.
#[derive(Debug, thiserror::Error)]
pub enum ReplicationsError {
    #[error("cannot keep replications in a temporary file: {0}")]
    Io(#[from] io::Error),
    #[error("a replication kept in a temporary file does not decode: {0}")]
    Decode(#[from] postcard::Error),
}

impl Default for ReplicationsWriter {
    fn default() -> ReplicationsWriter {
        ReplicationsWriter::with_in_memory_limit(IN_MEMORY)
    }
}

impl ReplicationsWriter {
    /// Keeps at most `limit` replications (at least one: the first carries the event
    /// log, which the file does not keep) in memory.
    pub fn with_in_memory_limit(limit: usize) -> ReplicationsWriter {
        ReplicationsWriter { in_memory: Vec::new(), file: None, len: 0, in_memory_limit: limit.max(1) }
    }

    /// Adds the next replication.
    pub fn push(&mut self, outcome: ReplicationOutcome) -> Result<(), ReplicationsError> {
        if self.keeps_next_in_memory() {
            self.in_memory.push(outcome);
            self.len += 1;
            return Ok(());
        }
        let (_, writer) = match &mut self.file {
            Some(file) => file,
            None => {
                let file = tempfile::Builder::new().prefix("modsim-replications-").tempfile()?;
                let writer = BufWriter::new(file.reopen()?);
                self.file.insert((file, writer))
            }
        };
        let bytes = postcard::to_stdvec(&outcome)?;
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::other("a replication's record is too large"))?;
        writer.write_all(&len.to_le_bytes())?;
        writer.write_all(&bytes)?;
        self.len += 1;
        Ok(())
    }

    /// How many replications there are so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the next replication added stays in memory.
    pub fn keeps_next_in_memory(&self) -> bool {
        self.in_memory.len() < self.in_memory_limit
    }

    /// The replications so far, to read while the run goes on (what is written is
    /// flushed first).
    pub fn so_far(&mut self) -> Result<SoFar<'_>, ReplicationsError> {
        let file = match &mut self.file {
            Some((file, writer)) => {
                writer.flush()?;
                Some(&*file)
            }
            None => None,
        };
        Ok(SoFar { in_memory: &self.in_memory, file, len: self.len })
    }

    /// The run is complete: its replications, flushed.
    pub fn finish(self) -> Result<Replications, ReplicationsError> {
        let file = match self.file {
            Some((file, mut writer)) => {
                writer.flush()?;
                Some(Arc::new(file))
            }
            None => None,
        };
        Ok(Replications { in_memory: self.in_memory, file, len: self.len })
    }
}

impl Replications {
    /// How many replications there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first replication (the traced one, with its event log).
    pub fn first(&self) -> Option<&ReplicationOutcome> {
        self.in_memory.first()
    }

    /// Whether some replications are in a temporary file.
    pub fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Every replication, in replication order: borrowed from memory, then read back.
    pub fn iter(&self) -> Records<'_> {
        records(&self.in_memory, self.file.as_deref(), self.len)
    }
}

/// The replications a [`ReplicationsWriter`] has so far.
pub struct SoFar<'a> {
    in_memory: &'a [ReplicationOutcome],
    file: Option<&'a tempfile::NamedTempFile>,
    len: usize,
}

impl<'a> SoFar<'a> {
    /// Every replication so far, in replication order.
    pub fn iter(&self) -> Records<'a> {
        records(self.in_memory, self.file, self.len)
    }
}

/// Replications as [`Replications::iter`] yields them.
pub type Records<'a> = Box<dyn Iterator<Item = Result<Cow<'a, ReplicationOutcome>, ReplicationsError>> + 'a>;

fn records<'a>(
    in_memory: &'a [ReplicationOutcome],
    file: Option<&tempfile::NamedTempFile>,
    len: usize,
) -> Records<'a> {
    let from_memory = in_memory.iter().map(|o| Ok(Cow::Borrowed(o)));
    let mut reader = file.map(|f| f.reopen().map(BufReader::new));
    let mut buffer = Vec::new();
    let from_file = (in_memory.len()..len).map_while(move |_| {
        let result = match reader.as_mut()? {
            Ok(r) => read_record(r, &mut buffer).map(Cow::Owned),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string()).into()),
        };
        // After an error, stop: the rest of the file cannot be framed.
        if result.is_err() {
            reader = None;
        }
        Some(result)
    });
    Box::new(from_memory.chain(from_file))
}

fn read_record(
    reader: &mut impl Read,
    buffer: &mut Vec<u8>,
) -> Result<ReplicationOutcome, ReplicationsError> {
    let mut len = [0; 4];
    reader.read_exact(&mut len)?;
    buffer.resize(u32::from_le_bytes(len) as usize, 0);
    reader.read_exact(buffer)?;
    Ok(postcard::from_bytes(buffer)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BlockRecord, Metrics};

    fn outcome(replication: u64) -> ReplicationOutcome {
        let block = BlockRecord {
            number: 1,
            start: crate::engine::time::SimTime(replication * 1000),
            end: None,
            duration_days: replication as f64 / 3.0,
            censored: true,
            reason: format!("{replication} findings in 7d"),
            lifted_by: None,
        };
        ReplicationOutcome {
            replication,
            metrics: Metrics {
                exposure: replication as f64 * 0.1,
                findings: replication,
                ..Metrics::default()
            },
            blocks: vec![block; replication as usize % 3],
            balances: Vec::new(),
            log: Vec::new(),
            series: Vec::new(),
            delays: Vec::new(),
            exposure_balances: Vec::new(),
        }
    }

    fn read_all(r: &Replications) -> Vec<ReplicationOutcome> {
        r.iter().map(|o| o.unwrap().into_owned()).collect()
    }

    #[test]
    fn replications_beyond_the_limit_come_back_from_the_file_exactly_and_in_order() {
        let mut w = ReplicationsWriter::with_in_memory_limit(3);
        for i in 0..10 {
            w.push(outcome(i)).unwrap();
        }
        assert_eq!(w.so_far().unwrap().iter().count(), 10, "readable while the run goes on");
        w.push(outcome(10)).unwrap();
        let r = w.finish().unwrap();
        assert!(r.spilled());
        assert_eq!(r.len(), 11);
        let back = read_all(&r);
        assert_eq!(back.iter().map(|o| o.replication).collect::<Vec<_>>(), (0..11).collect::<Vec<_>>());
        for (o, i) in back.iter().zip(0..) {
            let expected = outcome(i);
            assert_eq!(o.metrics, expected.metrics);
            assert_eq!(o.blocks, expected.blocks);
        }
        // Reading again, and from a clone, gives the same.
        assert_eq!(read_all(&r).len(), 11);
        assert_eq!(read_all(&r.clone()).len(), 11);
    }

    #[test]
    fn a_run_within_the_limit_makes_no_file() {
        let mut w = ReplicationsWriter::with_in_memory_limit(5);
        for i in 0..5 {
            w.push(outcome(i)).unwrap();
        }
        let r = w.finish().unwrap();
        assert!(!r.spilled());
        assert_eq!(read_all(&r).len(), 5);
        assert_eq!(r.first().map(|o| o.replication), Some(0));
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let mut w = ReplicationsWriter::with_in_memory_limit(1);
        for i in 0..4 {
            w.push(outcome(i)).unwrap();
        }
        let r = w.finish().unwrap();
        let path = r.file.as_ref().unwrap().path().to_owned();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let results: Vec<_> = r.iter().collect();
        assert_eq!(results.len(), 4);
        assert!(results[..3].iter().all(Result::is_ok));
        assert!(matches!(results[3], Err(ReplicationsError::Io(_))));
    }
}
