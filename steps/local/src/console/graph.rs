//! The state graph of an execution, drawn as inline SVG from its
//! definition: each state a box (Map and Parallel states contain their
//! branches), each transition an arrow; the states the execution entered
//! and the transitions it took are highlighted, the states it is in now are
//! marked, and where it failed is red.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde_json::Value;
use workflows::HistoryEvent;

use super::html::esc;

const NODE_W: f64 = 180.0;
const NODE_H: f64 = 40.0;
const H_GAP: f64 = 28.0;
const V_GAP: f64 = 42.0;
const PAD: f64 = 16.0;
const TITLE_H: f64 = 26.0;
const SIDE: f64 = 44.0;

/// What the history says about the states.
#[derive(Debug, Default)]
pub struct Progress {
    /// How often each state was entered and exited.
    pub entered: HashMap<String, usize>,
    pub exited: HashMap<String, usize>,
    /// Transitions taken: (from, to).
    pub taken: BTreeSet<(String, String)>,
    /// State names in the order first entered.
    pub order: Vec<String>,
}

impl Progress {
    pub fn from_history(history: &[HistoryEvent]) -> Progress {
        let by_id: HashMap<u64, &HistoryEvent> = history.iter().map(|e| (e.id, e)).collect();
        let mut progress = Progress::default();
        for event in history {
            let Some(name) = event.details.get("name").and_then(Value::as_str) else {
                continue;
            };
            if event.event_type.ends_with("StateEntered") {
                *progress.entered.entry(name.to_owned()).or_default() += 1;
                if !progress.order.iter().any(|seen| seen == name) {
                    progress.order.push(name.to_owned());
                }
                if let Some(previous) = by_id.get(&event.previous_event_id)
                    && previous.event_type.ends_with("StateExited")
                    && let Some(from) = previous.details.get("name").and_then(Value::as_str)
                {
                    progress.taken.insert((from.to_owned(), name.to_owned()));
                }
            } else if event.event_type.ends_with("StateExited") {
                *progress.exited.entry(name.to_owned()).or_default() += 1;
            }
        }
        progress
    }

    pub fn visited(&self, state: &str) -> bool {
        self.entered.contains_key(state)
    }

    /// Entered more often than exited: the execution is in it (or, once
    /// ended, stopped in it).
    pub fn open(&self, state: &str) -> bool {
        self.entered.get(state).copied().unwrap_or(0) > self.exited.get(state).copied().unwrap_or(0)
    }

    /// The states the execution is in, innermost last.
    pub fn open_states(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|state| self.open(state))
            .cloned()
            .collect()
    }
}

/// How the drawing marks states.
pub struct Marks<'a> {
    pub progress: &'a Progress,
    /// The execution still runs: open states are current.
    pub running: bool,
    /// The execution ended in failure (FAILED, TIMED_OUT, ABORTED): open
    /// states and entered Fail states are where it failed.
    pub failed: bool,
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

/// The SVG of `definition` (a state machine's JSON text) with `marks`.
pub fn svg(definition: &str, marks: &Marks<'_>) -> String {
    let Ok(machine) = serde_json::from_str::<Value>(definition) else {
        return "<p class=\"muted\">The definition could not be read.</p>".into();
    };
    let graph = layout(&machine);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"State graph\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7b8794\"/>\
         </marker><marker id=\"arrow-taken\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" \
         markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#3f9142\"/>\
         </marker></defs>",
        w = graph.w.ceil(),
        h = graph.h.ceil()
    );
    draw(&mut out, &graph, 0.0, 0.0, marks);
    out.push_str("</svg>");
    out
}

fn draw(out: &mut String, graph: &Layout, dx: f64, dy: f64, marks: &Marks<'_>) {
    for &(from, to) in &graph.edges {
        let (a, b) = (&graph.nodes[from], &graph.nodes[to]);
        let taken = marks
            .progress
            .taken
            .contains(&(a.name.clone(), b.name.clone()));
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
        let _ = write!(
            out,
            "<path class=\"edge{cls}\" data-from=\"{f}\" data-to=\"{t}\" d=\"{d}\" marker-end=\"url(#{m})\"/>",
            cls = if taken { " taken" } else { "" },
            f = esc(&a.name),
            t = esc(&b.name),
            m = if taken { "arrow-taken" } else { "arrow" },
        );
    }
    for node in &graph.nodes {
        let visited = marks.progress.visited(&node.name);
        let open = marks.progress.open(&node.name);
        let leaf = node.children.is_empty();
        let mut classes = vec!["state"];
        if visited {
            classes.push("visited");
        }
        let mut mark = "";
        if open && marks.running && leaf {
            classes.push("current");
            mark = "● current";
        } else if marks.failed && leaf && visited && (open || node.kind == "Fail") {
            classes.push("failed");
            mark = "✕ failed here";
        }
        let (x, y) = (dx + node.x, dy + node.y);
        let _ = write!(
            out,
            "<g class=\"{classes}\" data-state=\"{name}\" data-type=\"{kind}\"><title>{name} ({kind})</title>",
            classes = classes.join(" "),
            name = esc(&node.name),
            kind = esc(&node.kind),
        );
        if leaf {
            let _ = write!(
                out,
                "<rect class=\"node\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{r}\"/>\
                 <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\">{name}</text>\
                 <text class=\"kind\" x=\"{tx:.1}\" y=\"{ky:.1}\" text-anchor=\"middle\">{kind}</text>",
                w = node.w,
                h = node.h,
                r = if node.kind == "Choice" { 14 } else { 5 },
                tx = x + node.w / 2.0,
                ty = y + 17.0,
                ky = y + 31.0,
                name = esc(&truncate(&node.name, 26)),
                kind = esc(&node.kind),
            );
            if !mark.is_empty() {
                let _ = write!(
                    out,
                    "<text class=\"mark\" x=\"{mx:.1}\" y=\"{my:.1}\">{mark}</text>",
                    mx = x + node.w + 4.0,
                    my = y + 12.0,
                );
            }
        } else {
            let _ = write!(
                out,
                "<rect class=\"container\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"8\"/>\
                 <text x=\"{tx:.1}\" y=\"{ty:.1}\">{name}</text><text class=\"kind\" x=\"{kx:.1}\" y=\"{ty:.1}\">{kind}</text>",
                w = node.w,
                h = node.h,
                tx = x + 8.0,
                ty = y + 17.0,
                kx = x + node.w - 50.0,
                name = esc(&truncate(&node.name, 30)),
                kind = esc(&node.kind),
            );
            let inner_w: f64 = node.children.iter().map(|c| c.w).sum::<f64>()
                + H_GAP * (node.children.len() as f64 - 1.0);
            let mut cx = x + (node.w - inner_w) / 2.0;
            for child in &node.children {
                draw(out, child, cx, y + TITLE_H, marks);
                cx += child.w + H_GAP;
            }
        }
        out.push_str("</g>");
    }
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
            details: json!({ "name": name }),
        }
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
        })
        .to_string();
        let history = [
            event(1, 0, "PassStateEntered", "A"),
            event(2, 1, "PassStateExited", "A"),
            event(3, 2, "TaskStateEntered", "B"),
        ];
        let progress = Progress::from_history(&history);
        assert_eq!(progress.open_states(), ["B"]);
        let svg = svg(
            &definition,
            &Marks {
                progress: &progress,
                running: true,
                failed: false,
            },
        );
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
        })
        .to_string();
        let progress = Progress::default();
        let svg = svg(
            &definition,
            &Marks {
                progress: &progress,
                running: false,
                failed: false,
            },
        );
        let map = svg.find(r#"data-state="M""#).expect("the map");
        let inner = svg.find(r#"data-state="Inner""#).expect("its branch");
        assert!(inner > map, "the branch is drawn inside the Map's group");
    }
}
