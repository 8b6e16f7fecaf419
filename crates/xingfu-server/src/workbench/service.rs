//! Gathers every feature's 待办 for one person into one list, in the core's order, with the
//! counts per kind and how many are overdue. Each feature decides what waits for the person (its
//! own `todo` function, with its own permission rules); this only puts the lists together.

use xingfu_core::todo::{self, TodoItem, TodoKind};

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;

/// A person's 待办 at one moment.
#[derive(Debug, Clone)]
pub struct Workbench {
    /// Overdue first (the longest overdue at the top), then by deadline, then the rest.
    pub items: Vec<TodoItem>,
    /// Items per kind, kinds with none left out, in workflow order.
    pub counts: Vec<(TodoKind, usize)>,
    /// How many items are past their deadline.
    pub overdue: usize,
    /// The moment the list was made (deadlines are read against it).
    pub now_ms: i64,
}

/// Everything waiting for `user` at `now_ms`, from every feature.
pub async fn workbench(
    state: &AppState,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<Workbench, AppError> {
    let mut items = crate::rounds::todo::todo(state, user, now_ms).await?;
    items.extend(crate::surveys::todo::todo(state, user, now_ms).await?);
    items.extend(crate::events::service::todo::todo(state, user, now_ms).await?);
    items.extend(crate::people::service::todo::todo(state, user, now_ms).await?);
    todo::order(&mut items);
    Ok(Workbench {
        counts: todo::counts(&items),
        overdue: todo::overdue(&items, now_ms),
        items,
        now_ms,
    })
}
