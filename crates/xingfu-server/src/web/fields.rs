//! A posted form read as its fields in order, for forms where a name repeats (a box per
//! choice, all sent under one name): `serde_urlencoded` cannot collect those into a struct.

use serde::Deserialize;

use super::forms::HasCsrf;

/// A posted form's fields in order (a name may repeat).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value sent under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field's value, empty when it was not sent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// Every value sent under `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl HasCsrf for Fields {
    fn csrf(&self) -> &str {
        self.get("csrf").unwrap_or_default()
    }
}
