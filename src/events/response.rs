//! The partial batch response of SQS, Kinesis and DynamoDB Streams event source mappings
//! (`ReportBatchItemFailures`), written through the zero-allocation [`JsonWriter`].

use crate::json::{JsonWriter, WriteError};

/// Writes `{"batchItemFailures":[{"itemIdentifier":"..."},...]}` as failures are found: the
/// message id (SQS) or sequence number (Kinesis, DynamoDB Streams) of each record to retry.
/// An empty list tells Lambda the whole batch succeeded.
///
/// ```
/// use lambda_zero::events::BatchItemFailures;
/// use lambda_zero::json::JsonWriter;
///
/// let mut buf = [0u8; 128];
/// let mut out = JsonWriter::new(&mut buf);
/// let mut failures = BatchItemFailures::begin(&mut out).unwrap();
/// failures.fail("m-2").unwrap();
/// failures.end().unwrap();
/// assert_eq!(out.written(), br#"{"batchItemFailures":[{"itemIdentifier":"m-2"}]}"#);
/// ```
#[derive(Debug)]
pub struct BatchItemFailures<'w, 'b> {
    out: &'w mut JsonWriter<'b>,
    count: usize,
}

impl<'w, 'b> BatchItemFailures<'w, 'b> {
    /// Opens the response in `out`.
    pub fn begin(out: &'w mut JsonWriter<'b>) -> Result<Self, WriteError> {
        out.begin_object()?;
        out.key("batchItemFailures")?;
        out.begin_array()?;
        Ok(BatchItemFailures { out, count: 0 })
    }

    /// Adds the record `item_identifier` to the list to retry.
    pub fn fail(&mut self, item_identifier: &str) -> Result<(), WriteError> {
        self.count += 1;
        self.out
            .object(|w| w.field("itemIdentifier", item_identifier))
    }

    /// How many failures were written.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Closes the response.
    pub fn end(self) -> Result<(), WriteError> {
        self.out.end_array()?;
        self.out.end_object()
    }
}
