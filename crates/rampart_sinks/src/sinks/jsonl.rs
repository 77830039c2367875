//! JSON Lines file sink: appends one alert per line (the `rampart detect` JSON Lines
//! format). With `fsync = "always"` (default) an alert counts as delivered only once its
//! line is on disk; with `close`, at shutdown.

use std::fs::{File, OpenOptions};
use std::io::Write;

use rampart_alerts::Alert;

use super::Sink;
use crate::config::{FsyncPolicy, JsonlConfig};
use crate::error::SinkError;

pub(crate) struct JsonlSink {
    config: JsonlConfig,
    file: Option<File>,
}

impl JsonlSink {
    pub(crate) fn new(config: JsonlConfig) -> Self {
        Self { config, file: None }
    }

    fn ctx(&self) -> String {
        self.config.path.display().to_string()
    }
}

impl Sink for JsonlSink {
    fn deliver(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let mut line = serde_json::to_vec(alert).map_err(|e| SinkError::Encode(e.to_string()))?;
        line.push(b'\n');
        if self.file.is_none() {
            if let Some(dir) = self
                .config
                .path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| SinkError::io(self.ctx(), e))?;
            }
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.config.path)
                .map_err(|e| SinkError::io(self.ctx(), e))?;
            self.file = Some(f);
        }
        let ctx = self.ctx();
        let fsync = self.config.fsync;
        let Some(f) = self.file.as_mut() else {
            return Err(SinkError::io(ctx, std::io::Error::other("file not open")));
        };
        // O_APPEND: one write_all of a whole line keeps lines whole even if another
        // writer appends to the same file.
        let res = f.write_all(&line).and_then(|()| {
            if fsync == FsyncPolicy::Always {
                f.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = res {
            // Reopen next time (the file may have been rotated or the disk freed).
            self.file = None;
            return Err(SinkError::io(ctx, e));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), SinkError> {
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(|e| SinkError::io(self.ctx(), e))?;
        }
        Ok(())
    }
}
