//! Pieces of SQL text and column decoders that every module needs the same way.

/// `$from, $from+1, …` for `count` values.
pub(crate) fn bind_list(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($1, …, $columns), (…)` for a multi-row INSERT of `rows` rows.
pub(crate) fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", bind_list(r * columns + 1, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A 0/1 column: flags are stored as integers so both databases read them alike; a row type
/// reads one as `bool` with `#[sqlx(try_from = "Flag")]`.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
pub(crate) struct Flag(i64);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parameters_row_by_row() {
        assert_eq!(bind_list(3, 2), "$3, $4");
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
