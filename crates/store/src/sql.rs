//! Statements as data: SQL text plus typed arguments, executed by the
//! same code on either backend.
//!
//! Writes made of several statements (creating a room, saving one, each
//! room-state change) are built by plain functions returning [`Stmt`]s and
//! run in one transaction by [`Store::apply`]. Both backends accept the
//! same SQL: `$n` placeholders, `ON CONFLICT … DO …`, `RETURNING`.

use crate::error::{Entity, StoreError};
use crate::store::{in_tx, Store};

/// Rows per multi-row INSERT: keeps every statement far below SQLite's
/// and PostgreSQL's limits on bound values.
const ROWS_PER_INSERT: usize = 500;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Flag(bool),
}

/// One SQL statement with its arguments and what its outcome means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stmt {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
    /// Affecting no row means this entity does not exist.
    pub(crate) must_affect: Option<Entity>,
    /// A unique violation means this entity exists already.
    pub(crate) unique: Option<Entity>,
    /// A foreign-key violation means this entity does not exist.
    pub(crate) references: Option<Entity>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: Vec::new(),
            must_affect: None,
            unique: None,
            references: None,
        }
    }

    pub(crate) fn arg(mut self, arg: Arg) -> Self {
        self.args.push(arg);
        self
    }

    pub(crate) fn int(self, value: i64) -> Self {
        self.arg(Arg::Int(value))
    }

    pub(crate) fn text(self, value: impl Into<String>) -> Self {
        self.arg(Arg::Text(value.into()))
    }

    pub(crate) fn must_affect(mut self, what: Entity) -> Self {
        self.must_affect = Some(what);
        self
    }

    pub(crate) fn unique(mut self, what: Entity) -> Self {
        self.unique = Some(what);
        self
    }

    pub(crate) fn references(mut self, what: Entity) -> Self {
        self.references = Some(what);
        self
    }

    /// Maps the database's answer to this statement's meaning.
    pub(crate) fn outcome(&self, done: Result<u64, sqlx::Error>) -> Result<u64, StoreError> {
        match done {
            Ok(0) => match self.must_affect {
                Some(what) => Err(StoreError::NotFound { what }),
                None => Ok(0),
            },
            Ok(rows) => Ok(rows),
            Err(sqlx::Error::Database(db)) => {
                if let Some(what) = self.unique.filter(|_| db.is_unique_violation()) {
                    return Err(StoreError::Conflict { what });
                }
                if let Some(what) = self.references.filter(|_| db.is_foreign_key_violation()) {
                    return Err(StoreError::NotFound { what });
                }
                Err(StoreError::Backend(sqlx::Error::Database(db)))
            }
            Err(e) => Err(StoreError::Backend(e)),
        }
    }
}

/// `INSERT INTO {head} VALUES (…), (…)` for `rows`, each `width` values
/// wide, split into statements of at most [`ROWS_PER_INSERT`] rows.
pub(crate) fn insert_rows(head: &str, width: usize, rows: Vec<Vec<Arg>>) -> Vec<Stmt> {
    let mut stmts = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = format!("INSERT INTO {head} VALUES ");
        let mut args = Vec::new();
        for (i, row) in rows.by_ref().take(ROWS_PER_INSERT).enumerate() {
            debug_assert_eq!(row.len(), width);
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for column in 0..width {
                let sep = if column == 0 { "" } else { ", " };
                sql.push_str(&format!("{sep}${}", args.len() + column + 1));
            }
            sql.push(')');
            args.extend(row);
        }
        let mut stmt = Stmt::new(sql);
        stmt.args = args;
        stmts.push(stmt);
    }
    stmts
}

/// Executes one [`Stmt`] on `$executor` (a pool or `&mut *tx`) of either
/// backend; evaluates to `Result<u64, StoreError>` (rows affected).
macro_rules! execute {
    ($executor:expr, $stmt:expr) => {{
        let stmt: &$crate::sql::Stmt = $stmt;
        let mut query = sqlx::query(&stmt.sql);
        for arg in &stmt.args {
            query = match arg {
                $crate::sql::Arg::Int(v) => query.bind(*v),
                $crate::sql::Arg::OptInt(v) => query.bind(*v),
                $crate::sql::Arg::Text(v) => query.bind(v.as_str()),
                $crate::sql::Arg::OptText(v) => query.bind(v.as_deref()),
                $crate::sql::Arg::Flag(v) => query.bind(*v),
            };
        }
        let done = query.execute($executor).await.map(|d| d.rows_affected());
        stmt.outcome(done)
    }};
}

pub(crate) use execute;

impl Store {
    /// Runs `stmts` in order in one transaction: all or nothing.
    pub(crate) async fn apply(&self, stmts: &[Stmt]) -> Result<(), StoreError> {
        in_tx!(self, |tx| {
            for stmt in stmts {
                execute!(&mut *tx, stmt)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_their_placeholders_and_split() {
        let rows: Vec<Vec<Arg>> = (0..3).map(|i| vec![Arg::Int(i), Arg::Flag(true)]).collect();
        let stmts = insert_rows("t (a, b)", 2, rows);
        assert_eq!(stmts.len(), 1);
        assert_eq!(
            stmts[0].sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"
        );
        assert_eq!(stmts[0].args.len(), 6);

        let many: Vec<Vec<Arg>> = (0..1001).map(|i| vec![Arg::Int(i)]).collect();
        let stmts = insert_rows("t (a)", 1, many);
        let sizes: Vec<usize> = stmts.iter().map(|s| s.args.len()).collect();
        assert_eq!(sizes, [500, 500, 1]);
        assert!(stmts[2].sql.ends_with("VALUES ($1)"));
        assert!(insert_rows("t (a)", 1, Vec::new()).is_empty());
    }

    #[test]
    fn affecting_nothing_is_not_found_only_when_asked() {
        let plain = Stmt::new("DELETE FROM t");
        assert_eq!(plain.outcome(Ok(0)).unwrap(), 0);
        let strict = Stmt::new("UPDATE t").must_affect(Entity::Room);
        assert!(matches!(
            strict.outcome(Ok(0)),
            Err(StoreError::NotFound { what: Entity::Room })
        ));
        assert_eq!(strict.outcome(Ok(2)).unwrap(), 2);
    }
}
