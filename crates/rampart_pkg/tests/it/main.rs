//! rampart_pkg integration tests: parsers on real databases and files, and differential
//! checks against the package managers' own tools.

mod lang;
mod os;
