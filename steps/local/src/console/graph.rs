//! The state graph of an execution, drawn as inline SVG from its
//! definition: each state a box (Map and Parallel states contain their
//! branches), each transition an arrow; the states the execution entered
//! and the transitions it took are highlighted, the states it is in now are
//! marked, and where it failed is red.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;
use workflows::history::is_failure_type;
use workflows::{HistoryEvent, Store};

const NODE_W: f64 = 180.0;
const NODE_H: f64 = 40.0;
const H_GAP: f64 = 28.0;
const V_GAP: f64 = 42.0;
const PAD: f64 = 16.0;
const TITLE_H: f64 = 26.0;
const SIDE: f64 = 44.0;

/// What the history says about the states. Each event belongs to a run:
/// the execution's own, one Map iteration's or one Parallel branch's (the
/// engine chains every event to the previous one of its own run, as AWS
/// does). Each state is marked from the runs that entered it, so a state
/// inside a Map shows what the iterations did there, not what the Map did.
#[derive(Debug, Default)]
pub struct Progress {
    states: HashMap<String, StateMarks>,
    /// Transitions taken: (from, to).
    pub taken: BTreeSet<(String, String)>,
    /// State names in the order first entered.
    pub order: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct StateMarks {
    /// Some run entered it.
    entered: bool,
    /// Some run is in it, and the execution runs.
    current: bool,
    /// Some run ended with an error in it, or was stopped in it (the
    /// execution was stopped or timed out).
    failed: bool,
}

/// One run's events: the states it is in, its last event and the Map or
/// Parallel state it runs in.
#[derive(Default)]
struct Run {
    /// Entered minus exited, per state.
    depth: BTreeMap<String, i64>,
    last_id: u64,
    last_type: String,
    /// The `MapStateStarted` or `ParallelStateStarted` event of the state
    /// it is a branch of (none for the execution's own run).
    block: Option<u64>,
}

/// The events that end a run of their own: an iteration or the execution.
fn ends_run(event_type: &str) -> bool {
    matches!(
        event_type,
        "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted"
    ) || ends_execution(event_type)
}

/// The events that end a Map or Parallel state's branches; each follows
/// the state's `…StateStarted`.
fn ends_block(event_type: &str) -> bool {
    (event_type.starts_with("MapState") || event_type.starts_with("ParallelState"))
        && ["Succeeded", "Failed", "Aborted"]
            .iter()
            .any(|end| event_type.ends_with(end))
}

/// The events that end the execution.
fn ends_execution(event_type: &str) -> bool {
    matches!(
        event_type,
        "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted"
    )
}

/// The callback outcomes (`SendTaskSuccess`, `SendTaskFailure`) of an
/// execution's tasks, each with the `TaskScheduled` event of its task. The
/// engine records such an outcome with no previous event (AWS chains it to
/// the task's), so its run is found through its task token: the token is in
/// the parameters the task was scheduled with, and the token's record names
/// the history position of its outcome.
pub fn callbacks(store: &dyn Store, arn: &str, history: &[HistoryEvent]) -> HashMap<u64, u64> {
    fn tokens<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
        match value {
            Value::String(text)
                if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                found.push(text);
            }
            Value::Array(items) => items.iter().for_each(|item| tokens(item, found)),
            Value::Object(fields) => fields.values().for_each(|field| tokens(field, found)),
            _ => {}
        }
    }
    let mut outcomes = HashMap::new();
    for scheduled in history.iter().filter(|e| e.event_type == "TaskScheduled") {
        let Some(parameters) = scheduled.details["parameters"]
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            continue;
        };
        let mut found = Vec::new();
        tokens(&parameters, &mut found);
        for token in found {
            if let Ok(Some(record)) = store.get_token(token)
                && record.execution_arn == arn
                && let Ok(Some(outcome)) = store.find_event(arn, &record.outcome_key)
            {
                outcomes.insert(outcome.id, scheduled.id);
            }
        }
    }
    outcomes
}

impl Progress {
    /// `callbacks` ties each callback outcome to its task (see [`callbacks`]).
    pub fn from_history(history: &[HistoryEvent], callbacks: &HashMap<u64, u64>) -> Progress {
        let by_id: HashMap<u64, &HistoryEvent> = history.iter().map(|e| (e.id, e)).collect();
        // Runs are named by the event that starts them (0: the execution's).
        let mut run_of: HashMap<u64, u64> = HashMap::new();
        let mut runs: BTreeMap<u64, Run> = BTreeMap::new();
        // The last event that ended each Map or Parallel state's branches.
        let mut block_end: HashMap<u64, u64> = HashMap::new();
        let mut progress = Progress::default();
        for event in history {
            let previous_id = match callbacks.get(&event.id) {
                Some(task) if event.previous_event_id == 0 => *task,
                _ => event.previous_event_id,
            };
            let previous = by_id.get(&previous_id);
            // A Map iteration starts a run, as does the first state of a
            // Parallel branch; any other event continues its previous one's.
            let (run_id, block) = match previous {
                Some(previous)
                    if event.event_type == "MapIterationStarted"
                        || (previous.event_type == "ParallelStateStarted"
                            && event.event_type.ends_with("StateEntered")) =>
                {
                    (event.id, Some(previous.id))
                }
                Some(previous) => (run_of.get(&previous.id).copied().unwrap_or(0), None),
                None => (0, None),
            };
            run_of.insert(event.id, run_id);
            if ends_block(&event.event_type) {
                block_end.insert(event.previous_event_id, event.id);
            }
            let run = runs.entry(run_id).or_default();
            run.block = run.block.or(block);
            run.last_id = event.id;
            run.last_type.clone_from(&event.event_type);
            let Some(name) = event.details.get("name").and_then(Value::as_str) else {
                continue;
            };
            if event.event_type.ends_with("StateEntered") {
                *run.depth.entry(name.to_owned()).or_default() += 1;
                progress.states.entry(name.to_owned()).or_default().entered = true;
                if !progress.order.iter().any(|seen| seen == name) {
                    progress.order.push(name.to_owned());
                }
                if let Some(previous) = previous
                    && previous.event_type.ends_with("StateExited")
                    && let Some(from) = previous.details.get("name").and_then(Value::as_str)
                {
                    progress.taken.insert((from.to_owned(), name.to_owned()));
                }
            } else if event.event_type.ends_with("StateExited") {
                *run.depth.entry(name.to_owned()).or_default() -= 1;
            }
        }
        let execution_end = runs
            .get(&0)
            .map(|run| run.last_type.as_str())
            .filter(|last| ends_execution(last));
        let stopped = matches!(
            execution_end,
            Some("ExecutionAborted" | "ExecutionTimedOut")
        );
        for run in runs.values() {
            // A run is over when it ended itself, or when the state it is a
            // branch of ended after its last event (a sibling's failure
            // cancelled it). After a redrive, a run goes on past either.
            let over = ends_run(&run.last_type)
                || run
                    .block
                    .and_then(|block| block_end.get(&block))
                    .is_some_and(|end| *end > run.last_id);
            let failed = over && is_failure_type(&run.last_type);
            for (name, _) in run.depth.iter().filter(|(_, depth)| **depth > 0) {
                let marks = progress.states.entry(name.clone()).or_default();
                if failed || (!over && stopped) {
                    marks.failed = true;
                } else if !over && execution_end.is_none() {
                    marks.current = true;
                }
            }
        }
        progress
    }

    fn marks(&self, state: &str) -> StateMarks {
        self.states.get(state).copied().unwrap_or_default()
    }

    /// The states the execution is in (or, once it failed, stopped in),
    /// outermost first.
    pub fn open_states(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|state| {
                let marks = self.marks(state);
                marks.current || marks.failed
            })
            .cloned()
            .collect()
    }
}

struct Node {
    name: String,
    kind: String,
    w: f64,
    h: f64,
    /// Map and Parallel: the branches inside.
    children: Vec<Layout>,
    x: f64,
    y: f64,
}

struct Layout {
    nodes: Vec<Node>,
    edges: Vec<(usize, usize)>,
    w: f64,
    h: f64,
}

/// Lays out one `States` object from `StartAt` (layers by distance from
/// the start; states it cannot reach come last).
fn layout(machine: &Value) -> Layout {
    let empty = serde_json::Map::new();
    let states = machine
        .get("States")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let start = machine.get("StartAt").and_then(Value::as_str).unwrap_or("");
    let index: BTreeMap<&str, usize> = states
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let names: Vec<&str> = states.keys().map(String::as_str).collect();
    let mut edges = Vec::new();
    let mut next_of: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        for target in transitions(&states[*name]) {
            if let Some(&j) = index.get(target.as_str())
                && !next_of[i].contains(&j)
            {
                next_of[i].push(j);
                edges.push((i, j));
            }
        }
    }
    // Layers: the longest path from the start, once the transitions that
    // go back (loops) are set aside, so the flow reads top to bottom.
    let mut back = vec![vec![false; names.len()]; names.len()];
    let mut finished = Vec::new();
    let mut seen = vec![false; names.len()];
    let mut on_stack = vec![false; names.len()];
    let mut roots: Vec<usize> = index.get(start).copied().into_iter().collect();
    roots.extend(0..names.len());
    for root in roots {
        if seen[root] {
            continue;
        }
        // Iterative depth-first search: (node, next child to visit).
        let mut stack = vec![(root, 0usize)];
        seen[root] = true;
        on_stack[root] = true;
        while let Some(&mut (i, ref mut child)) = stack.last_mut() {
            if let Some(&j) = next_of[i].get(*child) {
                *child += 1;
                if on_stack[j] {
                    back[i][j] = true;
                } else if !seen[j] {
                    seen[j] = true;
                    on_stack[j] = true;
                    stack.push((j, 0));
                }
            } else {
                on_stack[i] = false;
                finished.push(i);
                stack.pop();
            }
        }
    }
    let mut level = vec![0usize; names.len()];
    for &i in finished.iter().rev() {
        for &j in &next_of[i] {
            if !back[i][j] {
                level[j] = level[j].max(level[i] + 1);
            }
        }
    }
    let mut order: Vec<usize> = finished.iter().rev().copied().collect();
    order.sort_by_key(|&i| level[i]);

    let mut nodes: Vec<Node> = names
        .iter()
        .map(|name| {
            let state = &states[*name];
            let kind = state
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let children: Vec<Layout> = match kind.as_str() {
                "Map" => state
                    .get("ItemProcessor")
                    .or_else(|| state.get("Iterator"))
                    .map(layout)
                    .into_iter()
                    .collect(),
                "Parallel" => state
                    .get("Branches")
                    .and_then(Value::as_array)
                    .map(|branches| branches.iter().map(layout).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let (w, h) = if children.is_empty() {
                (NODE_W, NODE_H)
            } else {
                let inner_w: f64 = children.iter().map(|c| c.w).sum::<f64>()
                    + H_GAP * (children.len() as f64 - 1.0);
                let inner_h = children.iter().map(|c| c.h).fold(0.0, f64::max);
                ((inner_w + 2.0 * PAD).max(NODE_W), inner_h + TITLE_H + PAD)
            };
            Node {
                name: (*name).to_owned(),
                kind,
                w,
                h,
                children,
                x: 0.0,
                y: 0.0,
            }
        })
        .collect();

    let layers = level.iter().max().map_or(0, |l| l + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for &i in &order {
        rows[level[i]].push(i);
    }
    let row_widths: Vec<f64> = rows
        .iter()
        .map(|row| {
            row.iter().map(|&i| nodes[i].w).sum::<f64>() + H_GAP * (row.len().max(1) as f64 - 1.0)
        })
        .collect();
    let width = row_widths.iter().copied().fold(NODE_W, f64::max) + 2.0 * SIDE;
    let mut y = PAD;
    for (row, row_width) in rows.iter().zip(&row_widths) {
        let mut x = (width - row_width) / 2.0;
        let height = row.iter().map(|&i| nodes[i].h).fold(0.0, f64::max);
        for &i in row {
            nodes[i].x = x;
            nodes[i].y = y;
            x += nodes[i].w + H_GAP;
        }
        y += height + V_GAP;
    }
    Layout {
        nodes,
        edges,
        w: width,
        h: y - V_GAP + PAD,
    }
}

/// Where a state can go next.
fn transitions(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |value: Option<&Value>| {
        if let Some(name) = value.and_then(Value::as_str) {
            out.push(name.to_owned());
        }
    };
    add(state.get("Next"));
    for choice in state
        .get("Choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(choice.get("Next"));
    }
    add(state.get("Default"));
    for catcher in state
        .get("Catch")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(catcher.get("Next"));
    }
    out
}

/// The state graph as the `graph.svg` template draws it.
#[derive(Serialize)]
pub struct Drawing {
    width: String,
    height: String,
    shapes: Vec<Shape>,
}

/// One thing drawn: a transition, or a state (a Map or Parallel state with
/// the shapes of its branches inside).
#[derive(Serialize)]
#[serde(tag = "shape", rename_all = "lowercase")]
enum Shape {
    Edge {
        from: String,
        to: String,
        d: String,
        taken: bool,
    },
    State(Box<StateShape>),
}

/// A state's box, its labels and mark, and what its branches draw inside it.
#[derive(Serialize)]
struct StateShape {
    name: String,
    kind: String,
    classes: String,
    label: String,
    x: String,
    y: String,
    w: String,
    h: String,
    rx: u8,
    label_x: String,
    label_y: String,
    kind_x: String,
    kind_y: String,
    mark: Option<&'static str>,
    mark_x: String,
    mark_y: String,
    inside: Vec<Shape>,
}

/// The drawing of `definition` (a state machine's JSON text) marked with
/// `progress`; `None` when the definition cannot be read.
pub fn drawing(definition: &str, progress: &Progress) -> Option<Drawing> {
    let machine = serde_json::from_str::<Value>(definition).ok()?;
    let graph = layout(&machine);
    Some(Drawing {
        width: graph.w.ceil().to_string(),
        height: graph.h.ceil().to_string(),
        shapes: shapes(&graph, 0.0, 0.0, progress),
    })
}

fn fmt1(value: f64) -> String {
    format!("{value:.1}")
}

fn shapes(graph: &Layout, dx: f64, dy: f64, progress: &Progress) -> Vec<Shape> {
    let mut out = Vec::new();
    for &(from, to) in &graph.edges {
        let (a, b) = (&graph.nodes[from], &graph.nodes[to]);
        let taken = progress.taken.contains(&(a.name.clone(), b.name.clone()));
        let (ax, ay) = (dx + a.x + a.w / 2.0, dy + a.y + a.h);
        let (bx, by) = (dx + b.x + b.w / 2.0, dy + b.y);
        let d = if by > ay {
            let mid = (ay + by) / 2.0;
            format!("M{ax:.1},{ay:.1} C{ax:.1},{mid:.1} {bx:.1},{mid:.1} {bx:.1},{by:.1}")
        } else {
            // A transition back up (a retry loop) or sideways: around the right.
            let (sx, sy) = (dx + a.x + a.w, dy + a.y + a.h / 2.0);
            let (tx, ty) = (dx + b.x + b.w, dy + b.y + b.h / 2.0);
            let bend = sx.max(tx) + SIDE * 0.8;
            format!("M{sx:.1},{sy:.1} C{bend:.1},{sy:.1} {bend:.1},{ty:.1} {tx:.1},{ty:.1}")
        };
        out.push(Shape::Edge {
            from: a.name.clone(),
            to: b.name.clone(),
            d,
            taken,
        });
    }
    for node in &graph.nodes {
        let leaf = node.children.is_empty();
        let mut classes = vec!["state"];
        let marks = progress.marks(&node.name);
        if marks.entered {
            classes.push("visited");
        }
        // Only a state that works itself is current or failed: a Map or
        // Parallel state is in its branches' states.
        let mark = if !leaf {
            None
        } else if marks.current {
            classes.push("current");
            Some("● current")
        } else if marks.failed || (marks.entered && node.kind == "Fail") {
            classes.push("failed");
            Some("✕ failed here")
        } else {
            None
        };
        let (x, y) = (dx + node.x, dy + node.y);
        let mut inside = Vec::new();
        let mut cx = x
            + (node.w
                - (node.children.iter().map(|c| c.w).sum::<f64>()
                    + H_GAP * (node.children.len() as f64 - 1.0)))
                / 2.0;
        for child in &node.children {
            inside.extend(shapes(child, cx, y + TITLE_H, progress));
            cx += child.w + H_GAP;
        }
        let (label_x, kind_x, kind_y) = if leaf {
            let middle = x + node.w / 2.0;
            (middle, middle, y + 31.0)
        } else {
            (x + 8.0, x + node.w - 50.0, y + 17.0)
        };
        out.push(Shape::State(Box::new(StateShape {
            name: node.name.clone(),
            kind: node.kind.clone(),
            classes: classes.join(" "),
            label: truncate(&node.name, if leaf { 26 } else { 30 }),
            x: fmt1(x),
            y: fmt1(y),
            w: fmt1(node.w),
            h: fmt1(node.h),
            rx: match (leaf, node.kind.as_str()) {
                (false, _) => 8,
                (true, "Choice") => 14,
                (true, _) => 5,
            },
            label_x: fmt1(label_x),
            label_y: fmt1(y + 17.0),
            kind_x: fmt1(kind_x),
            kind_y: fmt1(kind_y),
            mark,
            mark_x: fmt1(x + node.w + 4.0),
            mark_y: fmt1(y + 12.0),
            inside,
        })));
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn event(id: u64, prev: u64, event_type: &str, name: &str) -> HistoryEvent {
        HistoryEvent {
            id,
            previous_event_id: prev,
            timestamp: Utc::now(),
            event_type: event_type.into(),
            details: if name.is_empty() {
                Value::Null
            } else {
                json!({ "name": name })
            },
        }
    }

    /// The progress of `history`, whose callback outcomes (event 0 before)
    /// resume the task scheduled by the event named in `CALLBACKS`.
    fn progress(history: &[HistoryEvent]) -> Progress {
        Progress::from_history(history, &CALLBACKS.iter().copied().collect())
    }

    /// In [`divergent`]: the first iteration's payment came back through a
    /// callback, to the task the first iteration scheduled.
    const CALLBACKS: &[(u64, u64)] = &[(19, 16)];

    fn svg(definition: &Value, history: &[HistoryEvent]) -> String {
        #[derive(Serialize)]
        struct Page {
            graph: Drawing,
        }
        let graph =
            drawing(&definition.to_string(), &progress(history)).expect("the definition reads");
        super::super::templates::render("graph.svg", &Page { graph }).expect("renders")
    }

    /// The `class` of the state's group.
    fn class_of(svg: &str, state: &str) -> String {
        let at = svg
            .find(&format!(r#"data-state="{state}""#))
            .unwrap_or_else(|| panic!("{state} is drawn"));
        let start = svg[..at].rfind("class=\"").expect("a class") + 7;
        svg[start..at].trim_end().trim_end_matches('"').to_owned()
    }

    #[test]
    fn marks_the_path_taken_and_the_current_state() {
        let definition = json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Task", "Resource": "x", "Next": "C", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
                "C": {"Type": "Succeed"},
                "F": {"Type": "Fail"}
            }
        });
        let history = [
            event(1, 0, "PassStateEntered", "A"),
            event(2, 1, "PassStateExited", "A"),
            event(3, 2, "TaskStateEntered", "B"),
        ];
        assert_eq!(progress(&history).open_states(), ["B"]);
        let svg = svg(&definition, &history);
        assert!(svg.contains(r#"<g class="state visited current" data-state="B""#));
        assert!(svg.contains(r#"<g class="state visited" data-state="A""#));
        assert!(svg.contains(r#"<g class="state" data-state="C""#));
        assert!(svg.contains(r#"class="edge taken" data-from="A" data-to="B""#));
        assert!(svg.contains(r#"class="edge" data-from="B" data-to="F""#));
    }

    #[test]
    fn draws_map_branches_inside_their_state() {
        let definition = json!({
            "StartAt": "M",
            "States": {
                "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}}
            }
        });
        let svg = svg(&definition, &[]);
        let map = svg.find(r#"data-state="M""#).expect("the map");
        let inner = svg.find(r#"data-state="Inner""#).expect("its branch");
        assert!(
            map < inner && !svg[map..inner].contains("</g>"),
            "the branch is drawn inside the Map's group: {svg}"
        );
    }

    #[test]
    fn names_are_escaped_in_the_svg() {
        let definition = json!({
            "StartAt": "<script>x</script>",
            "States": {"<script>x</script>": {"Type": "Pass", "End": true}}
        });
        let svg = svg(&definition, &[]);
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"), "{svg}");
        assert!(!svg.contains("<script>"));
    }

    /// A team's shares: each member is invited, may pay before the
    /// reminder, is reminded, may pay before the deadline, else is
    /// reconciled and unpaid.
    fn shares() -> Value {
        let task = |next: &str| json!({"Type": "Task", "Resource": "x", "Next": next});
        let catch = |next: &str, caught: &str| {
            json!({"Type": "Task", "Resource": "x", "Next": next,
                   "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": caught}]})
        };
        json!({
            "StartAt": "Collect",
            "States": {
                "Collect": {"Type": "Map", "Next": "Done", "ItemProcessor": {
                    "StartAt": "Invite",
                    "States": {
                        "Invite": task("WaitBeforeReminder"),
                        "WaitBeforeReminder": catch("Authorize", "SendReminder"),
                        "SendReminder": task("WaitUntilDeadline"),
                        "WaitUntilDeadline": catch("Authorize", "Reconcile"),
                        "Reconcile": task("Unpaid"),
                        "Unpaid": {"Type": "Fail", "Error": "Unpaid"},
                        "Authorize": {"Type": "Task", "Resource": "x", "End": true}
                    }
                }},
                "Done": {"Type": "Succeed"}
            }
        })
    }

    /// Three iterations that diverge: the first pays on time, the second
    /// is reminded and waits for the deadline, the third still waits for
    /// the reminder. Events interleave as concurrent iterations write them.
    fn divergent() -> Vec<HistoryEvent> {
        vec![
            event(1, 0, "ExecutionStarted", ""),
            event(2, 0, "MapStateEntered", "Collect"),
            event(3, 2, "MapStateStarted", ""),
            event(4, 3, "MapIterationStarted", "Collect"),
            event(5, 3, "MapIterationStarted", "Collect"),
            event(6, 3, "MapIterationStarted", "Collect"),
            event(7, 4, "TaskStateEntered", "Invite"),
            event(8, 5, "TaskStateEntered", "Invite"),
            event(9, 6, "TaskStateEntered", "Invite"),
            event(10, 7, "TaskStateExited", "Invite"),
            event(11, 8, "TaskStateExited", "Invite"),
            event(12, 9, "TaskStateExited", "Invite"),
            event(13, 10, "TaskStateEntered", "WaitBeforeReminder"),
            event(14, 11, "TaskStateEntered", "WaitBeforeReminder"),
            event(15, 12, "TaskStateEntered", "WaitBeforeReminder"),
            event(16, 13, "TaskScheduled", ""),
            event(17, 14, "TaskScheduled", ""),
            event(18, 15, "TaskScheduled", ""),
            // The first member pays: the payment's callback resumes the task.
            event(19, 0, "TaskSucceeded", ""),
            event(20, 19, "TaskStateExited", "WaitBeforeReminder"),
            event(21, 20, "TaskStateEntered", "Authorize"),
            event(22, 21, "TaskStateExited", "Authorize"),
            event(23, 22, "MapIterationSucceeded", "Collect"),
            // The second is reminded.
            event(24, 17, "TaskTimedOut", ""),
            event(25, 24, "TaskStateExited", "WaitBeforeReminder"),
            event(26, 25, "TaskStateEntered", "SendReminder"),
            event(27, 26, "TaskStateExited", "SendReminder"),
            event(28, 27, "TaskStateEntered", "WaitUntilDeadline"),
            event(29, 28, "TaskScheduled", ""),
        ]
    }

    #[test]
    fn states_inside_a_map_show_what_its_iterations_did() {
        let history = divergent();
        let svg = svg(&shares(), &history);
        for state in ["Invite", "Authorize", "SendReminder"] {
            assert_eq!(class_of(&svg, state), "state visited", "{state}");
        }
        // Two iterations are waiting: each where it is.
        assert_eq!(class_of(&svg, "WaitUntilDeadline"), "state visited current");
        assert_eq!(
            class_of(&svg, "WaitBeforeReminder"),
            "state visited current"
        );
        // No iteration was reconciled or went unpaid.
        assert_eq!(class_of(&svg, "Reconcile"), "state");
        assert_eq!(class_of(&svg, "Unpaid"), "state");
        assert_eq!(class_of(&svg, "Collect"), "state visited");
        assert_eq!(class_of(&svg, "Done"), "state");
        assert!(svg.contains(
            r#"class="edge taken" data-from="WaitBeforeReminder" data-to="SendReminder""#
        ));
        assert!(
            svg.contains(
                r#"class="edge taken" data-from="WaitBeforeReminder" data-to="Authorize""#
            )
        );
        assert!(svg.contains(r#"class="edge" data-from="WaitUntilDeadline" data-to="Authorize""#));
        assert_eq!(
            progress(&history).open_states(),
            ["Collect", "WaitBeforeReminder", "WaitUntilDeadline"]
        );
    }

    #[test]
    fn a_failed_iteration_is_red_and_the_ones_it_cancelled_are_not() {
        let mut history = divergent();
        history.extend([
            event(30, 29, "TaskFailed", ""),
            event(31, 30, "MapIterationFailed", "Collect"),
            event(32, 3, "MapStateFailed", ""),
            event(33, 0, "ExecutionFailed", ""),
        ]);
        let svg = svg(&shares(), &history);
        assert_eq!(class_of(&svg, "WaitUntilDeadline"), "state visited failed");
        // The third iteration waited for its reminder when the Map failed.
        assert_eq!(class_of(&svg, "WaitBeforeReminder"), "state visited");
        assert_eq!(class_of(&svg, "Authorize"), "state visited");
        assert_eq!(class_of(&svg, "Reconcile"), "state");
        assert!(!svg.contains("current"));
        assert_eq!(
            progress(&history).open_states(),
            ["Collect", "WaitUntilDeadline"]
        );
    }

    #[test]
    fn a_stopped_execution_is_red_where_each_iteration_was() {
        let mut history = divergent();
        history.push(event(30, 0, "ExecutionAborted", ""));
        let svg = svg(&shares(), &history);
        assert_eq!(class_of(&svg, "WaitUntilDeadline"), "state visited failed");
        assert_eq!(class_of(&svg, "WaitBeforeReminder"), "state visited failed");
        assert_eq!(class_of(&svg, "SendReminder"), "state visited");
        assert_eq!(class_of(&svg, "Reconcile"), "state");
    }

    #[test]
    fn an_iteration_that_reached_a_fail_state_is_red_while_others_run() {
        let mut history = divergent();
        history.extend([
            event(30, 29, "TaskFailed", ""),
            event(31, 30, "TaskStateExited", "WaitUntilDeadline"),
            event(32, 31, "TaskStateEntered", "Reconcile"),
            event(33, 32, "TaskStateExited", "Reconcile"),
            event(34, 33, "FailStateEntered", "Unpaid"),
            event(35, 34, "MapIterationFailed", "Collect"),
        ]);
        let svg = svg(&shares(), &history);
        assert_eq!(class_of(&svg, "Unpaid"), "state visited failed");
        assert_eq!(class_of(&svg, "Reconcile"), "state visited");
        assert_eq!(class_of(&svg, "WaitUntilDeadline"), "state visited");
        assert_eq!(
            class_of(&svg, "WaitBeforeReminder"),
            "state visited current",
            "the third iteration still waits (a Map tolerating the failure)"
        );
    }
}
