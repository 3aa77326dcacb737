//! Week-by-week study roadmaps, one per cluster, emailed when a plan starts.
//!
//! A roadmap runs for the plan's access period (four weeks a month). It opens
//! with a diagnostic week and closes with a full mock exam; the weeks between
//! work through the cluster's topics, and any weeks left over are mixed
//! revision.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Cluster;
use crate::catalog::product;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Roadmap {
    pub cluster: Cluster,
    pub weeks: Vec<RoadmapWeek>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoadmapWeek {
    /// From 1.
    pub week: u32,
    pub focus: String,
    pub tasks: Vec<String>,
}

/// The study plan for `cluster`, one entry per week of its access period.
pub fn roadmap(cluster: Cluster) -> Roadmap {
    let months = product(cluster.product()).access_months.unwrap_or_default();
    let total_weeks = (months * 4).max(2) as usize;
    let topics: Vec<Week> = match cluster {
        Cluster::ClinicalKnowledgeGap => CLINICAL.iter().map(clinical_week).collect(),
        Cluster::TheoryFundamentals => THEORY.iter().map(theory_week).collect(),
        Cluster::TimeManagement => TIME_DRILLS.iter().map(drill_week).collect(),
        Cluster::ComprehensiveReview => THEORY
            .iter()
            .map(theory_week)
            .chain(CLINICAL.iter().map(clinical_week))
            .collect(),
    };
    let middle = total_weeks - 2;
    let weeks = std::iter::once(baseline_week())
        .chain(topics.into_iter().take(middle))
        .chain(std::iter::repeat_with(revision_week))
        .take(total_weeks - 1)
        .chain(std::iter::once(mock_exam_week()))
        .zip(1..)
        .map(|(week, number)| RoadmapWeek {
            week: number,
            focus: week.focus,
            tasks: week.tasks,
        })
        .collect();
    Roadmap { cluster, weeks }
}

/// A week before it is numbered.
struct Week {
    focus: String,
    tasks: Vec<String>,
}

/// A subject and what revising it covers.
struct Subject {
    name: &'static str,
    covers: &'static str,
}

/// A pacing skill and how to practise it.
struct Drill {
    focus: &'static str,
    tasks: [&'static str; 3],
}

fn clinical_week(subject: &Subject) -> Week {
    let Subject { name, covers } = subject;
    Week {
        focus: name.to_string(),
        tasks: vec![
            format!("Revise {}: {covers}.", name.to_lowercase()),
            format!(
                "Answer 60 timed multiple-choice questions on {} and read the explanation of every wrong answer.",
                name.to_lowercase()
            ),
            format!(
                "Work through 3 clinical cases in {}, writing a diagnosis and treatment plan for each.",
                name.to_lowercase()
            ),
        ],
    }
}

fn theory_week(subject: &Subject) -> Week {
    let Subject { name, covers } = subject;
    Week {
        focus: name.to_string(),
        tasks: vec![
            format!("Study {}: {covers}.", name.to_lowercase()),
            format!(
                "Answer 50 multiple-choice questions on {} and log every mistake in an error book.",
                name.to_lowercase()
            ),
            format!(
                "Link {} to two clinical situations and write down how it changes what you would do.",
                name.to_lowercase()
            ),
        ],
    }
}

fn drill_week(drill: &Drill) -> Week {
    Week {
        focus: drill.focus.to_string(),
        tasks: drill.tasks.iter().map(|task| task.to_string()).collect(),
    }
}

fn baseline_week() -> Week {
    Week {
        focus: "Baseline and study plan".to_string(),
        tasks: vec![
            "Sit a timed 100-question diagnostic set covering every area of the exam.".to_string(),
            "Record your score and time for each area and list your three weakest topics."
                .to_string(),
            "Block fixed study sessions in your calendar for every week of this plan.".to_string(),
        ],
    }
}

fn revision_week() -> Week {
    Week {
        focus: "Mixed revision and timed practice".to_string(),
        tasks: vec![
            "Sit a timed 100-question set mixing every topic covered so far.".to_string(),
            "Revise the three topics with the most entries in your error book.".to_string(),
            "Redo the questions you got wrong in earlier weeks without looking at your notes."
                .to_string(),
        ],
    }
}

fn mock_exam_week() -> Week {
    Week {
        focus: "Full mock exam and final review".to_string(),
        tasks: vec![
            "Sit a full-length mock exam under exam conditions.".to_string(),
            "Review every wrong and every guessed answer, and revise the topics they point to."
                .to_string(),
            "Compare your section scores with week 1 and choose the topics for your final revision."
                .to_string(),
        ],
    }
}

/// The clinical (therapeutic) side of the ADC written exam.
const CLINICAL: [Subject; 10] = [
    Subject {
        name: "Diagnosis and treatment planning",
        covers: "history taking, clinical and radiographic examination, risk assessment, sequencing treatment and informed consent",
    },
    Subject {
        name: "Cariology and restorative dentistry",
        covers: "caries risk and prevention, fluoride use in Australia, cavity design, direct restorative materials and managing deep caries",
    },
    Subject {
        name: "Endodontics",
        covers: "pulpal and periapical diagnosis, access and canal preparation, irrigation, obturation and endodontic emergencies",
    },
    Subject {
        name: "Periodontics",
        covers: "the 2017 classification of periodontal diseases, non-surgical therapy, maintenance, and the links with diabetes and smoking",
    },
    Subject {
        name: "Fixed and removable prosthodontics",
        covers: "crown and bridge preparation, complete and partial denture design, occlusion and implant basics",
    },
    Subject {
        name: "Oral surgery",
        covers: "extraction technique, local anaesthesia, third molars, managing complications and patients on anticoagulants",
    },
    Subject {
        name: "Oral medicine",
        covers: "mucosal lesions, ulcers, oral cancer screening, salivary disorders and orofacial pain",
    },
    Subject {
        name: "Paediatric dentistry and orthodontics",
        covers: "behaviour management, pulp therapy in primary teeth, dental trauma, growth and malocclusion assessment",
    },
    Subject {
        name: "Radiology and infection control",
        covers: "choosing and interpreting radiographs, radiation safety, and the Dental Board of Australia's infection control guidelines",
    },
    Subject {
        name: "Medically compromised patients and emergencies",
        covers: "medical conditions that change dental care, emergencies in the dental chair, and prescribing under the Therapeutic Guidelines: Oral and Dental",
    },
];

/// The biomedical and applied sciences behind the clinical questions.
const THEORY: [Subject; 12] = [
    Subject {
        name: "Head and neck anatomy",
        covers: "cranial nerves, muscles of mastication, blood supply, fascial spaces and the temporomandibular joint",
    },
    Subject {
        name: "Oral histology and embryology",
        covers: "tooth development, the structure of enamel, dentine, pulp and periodontium, and developmental anomalies",
    },
    Subject {
        name: "Physiology",
        covers: "cardiovascular, respiratory and nervous system essentials, pain pathways and saliva",
    },
    Subject {
        name: "Biochemistry and nutrition",
        covers: "metabolism, the vitamins and minerals that matter for oral health, and diet and caries",
    },
    Subject {
        name: "General pathology",
        covers: "inflammation, healing and repair, neoplasia and haemostasis",
    },
    Subject {
        name: "Microbiology",
        covers: "the oral microbiome, plaque biofilm, the pathogens of caries and periodontal disease, and sterilisation",
    },
    Subject {
        name: "Immunology",
        covers: "innate and adaptive immunity, hypersensitivity, and immunodeficiency and its oral signs",
    },
    Subject {
        name: "Pharmacology",
        covers: "analgesics, antibiotics, local anaesthetics, drug interactions and adverse effects",
    },
    Subject {
        name: "Dental materials science",
        covers: "the properties and handling of composites, glass ionomers, cements, impression materials and alloys",
    },
    Subject {
        name: "Oral pathology",
        covers: "cysts of the jaws, odontogenic tumours, salivary gland pathology and bone lesions",
    },
    Subject {
        name: "Radiation physics",
        covers: "x-ray production, image formation, dose and radiation protection",
    },
    Subject {
        name: "Ethics, law and professional practice",
        covers: "the Dental Board of Australia's code of conduct, consent, records and privacy, and mandatory notifications",
    },
];

/// Pacing skills for candidates who know the material but run out of time.
const TIME_DRILLS: [Drill; 6] = [
    Drill {
        focus: "Pacing: a time budget per question",
        tasks: [
            "Divide the exam's time by its number of questions to get your budget per question, keeping 10% of the time for review.",
            "Sit three timed sets of 40 questions, checking the clock against your budget every 10 questions.",
            "Record how far ahead or behind you were at each check and adjust your pace.",
        ],
    },
    Drill {
        focus: "Triage: answer, flag and move on",
        tasks: [
            "On a timed set, answer each question within your budget, flag the doubtful ones and move on.",
            "Return to flagged questions only after a first pass through the whole set.",
            "Count how many flagged answers you changed and how many of the changes were right.",
        ],
    },
    Drill {
        focus: "Reading question stems efficiently",
        tasks: [
            "Read the last line of each stem first, so you know what is asked before you read the case.",
            "Mark the key findings (age, history, signs) in 30 written cases.",
            "Drill 60 short-stem questions at 45 seconds each.",
        ],
    },
    Drill {
        focus: "Rapid recall of high-yield facts",
        tasks: [
            "Make flashcards of the facts you hesitate on: drug doses, nerve supplies, material setting times.",
            "Review the flashcards daily, spacing out the ones you know.",
            "Sit a 50-question rapid-recall set at 40 seconds per question.",
        ],
    },
    Drill {
        focus: "Eliminating options under pressure",
        tasks: [
            "For 40 questions, strike out the wrong options before choosing and note why each is wrong.",
            "Make a best guess within your budget rather than leave any question blank.",
            "Review the questions you guessed and note which eliminations were reliable.",
        ],
    },
    Drill {
        focus: "Stamina: full-length sections",
        tasks: [
            "Sit a full-length timed section in one sitting, with only the breaks the exam allows.",
            "Note when your pace or accuracy drops and plan a short reset for that point.",
            "Practise at the time of day your exam is scheduled.",
        ],
    },
];
