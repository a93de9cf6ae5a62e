//! The record's tables. Natural keys everywhere, so repeated writes are idempotent.

/// Schema version stored in `PRAGMA user_version`. 2: `processed_cell (ix, iy)` are the
/// coverage grid's columns and rows, and a cell processed again keeps its latest time.
pub const VERSION: i64 = 2;

/// Creates every table (idempotent).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS mission (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    task_id         TEXT NOT NULL,
    created_utc     TEXT NOT NULL,
    field_name      TEXT NOT NULL,
    field_geojson   TEXT NOT NULL,
    machine_name    TEXT NOT NULL,
    machine_yaml    TEXT NOT NULL,
    seed            INTEGER NOT NULL,
    cell_m          REAL NOT NULL,
    planned_area_m2 REAL NOT NULL,
    state           TEXT NOT NULL,
    state_t_s       REAL NOT NULL
);
-- The plan as executed: planned segments first, gap-fill segments appended.
CREATE TABLE IF NOT EXISTS plan_segment (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    implement  INTEGER NOT NULL,
    direction  TEXT NOT NULL,
    motion     TEXT NOT NULL          -- JSON of the motion
);
-- Lanes and other segments with their times (one row per executed segment).
CREATE TABLE IF NOT EXISTS segment (
    seq        INTEGER PRIMARY KEY REFERENCES plan_segment(seq),
    kind       TEXT NOT NULL,
    start_t_s  REAL NOT NULL,
    start_x_m  REAL NOT NULL,
    start_y_m  REAL NOT NULL,
    end_t_s    REAL,
    end_x_m    REAL,
    end_y_m    REAL,
    max_cross_track_m REAL            -- largest |cross-track| of the true path, implement passes
);
-- Processed cells of the coverage grid (cell_m square, index = floor(coordinate / cell_m)).
CREATE TABLE IF NOT EXISTS processed_cell (
    ix   INTEGER NOT NULL,
    iy   INTEGER NOT NULL,
    t_s  REAL NOT NULL,
    PRIMARY KEY (ix, iy)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detonation (
    id               INTEGER PRIMARY KEY,
    t_s              REAL NOT NULL,
    x_m              REAL NOT NULL,
    y_m              REAL NOT NULL,
    lon              REAL NOT NULL,
    lat              REAL NOT NULL,
    heading_rad      REAL NOT NULL,
    segment          INTEGER,
    block_length_m   REAL NOT NULL,
    block_width_m    REAL NOT NULL,
    acknowledged_t_s REAL
);
-- Safety events, transitions, operator actions: numbered by the mission in order.
CREATE TABLE IF NOT EXISTS event (
    seq       INTEGER PRIMARY KEY,
    t_s       REAL NOT NULL,
    category  TEXT NOT NULL,
    name      TEXT NOT NULL,
    detail    TEXT NOT NULL,
    state     TEXT NOT NULL
);
-- The path driven, sampled (for track.geojson across restarts).
CREATE TABLE IF NOT EXISTS track_point (
    seq        INTEGER PRIMARY KEY,
    t_s        REAL NOT NULL,
    x_m        REAL NOT NULL,
    y_m        REAL NOT NULL,
    yaw_rad    REAL NOT NULL,
    segment    INTEGER NOT NULL,
    implement  INTEGER NOT NULL,
    reverse    INTEGER NOT NULL
);
"#;
