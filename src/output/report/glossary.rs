//! The report's glossary: the words of statistics and of the model a reader meets in it,
//! defined once at the end; report.html links the terms from its opening and its notes.

/// (term, anchor, definition), in the order they are listed.
pub(super) const TERMS: [(&str, &str, &str); 9] = [
    (
        "Block probability",
        "block-probability",
        "The share of replications in which the platform was blocked at least once within the horizon (P(blocked)). Not the share blocked at a given moment, which the charts of blocked over time show and which is never higher.",
    ),
    (
        "Share blocked at a moment",
        "share-blocked",
        "The share of replications in which the platform is blocked at that instant.",
    ),
    (
        "Kaplan-Meier",
        "kaplan-meier",
        "An estimate of how long blocks last that counts the blocks still in force at the horizon for as long as they were seen, instead of dropping them or treating them as over; its median is the duration by which half of the blocks were lifted.",
    ),
    (
        "Censored",
        "censored",
        "A block still in force when the simulation (or the record) ends: its duration is known only to be at least that long.",
    ),
    (
        "pp",
        "pp",
        "Percentage points: the difference between two percentages (20% to 15% is 5 pp lower, a 25% relative fall).",
    ),
    (
        "User-days lost",
        "user-days",
        "Users cut off by a block or a throttle times the days they were cut off (users who keep access by VPN are not counted); one user-day is one user without the platform for one day.",
    ),
    (
        "Exposure",
        "exposure",
        "Views of violating items: how often users saw the content the regulator objects to.",
    ),
    (
        "Paired difference",
        "paired",
        "A variant's outcome minus the baseline's, replication by replication: every variant is played on the same random numbers (common random numbers), so the difference shows the policy rather than chance, with a narrower interval than comparing two separate averages.",
    ),
    (
        "95% CI",
        "ci",
        "The 95% confidence interval: the range that, over many repetitions of the experiment, holds the true average 95 times in 100. It shrinks as replications grow; it says how precisely the average is known, not how much single replications vary (the 5% to 95% column says that).",
    ),
];

/// The words in the report's text that link to a term, and the term's anchor.
const LINKED: [(&str, &str); 9] = [
    ("blocked at least once", "block-probability"),
    ("Kaplan-Meier", "kaplan-meier"),
    ("censored", "censored"),
    ("pp", "pp"),
    ("user-days", "user-days"),
    ("views of violating items", "exposure"),
    ("exposure", "exposure"),
    ("paired", "paired"),
    ("95% CI", "ci"),
];

/// `escaped` (HTML text) with the first whole-word occurrence of each linked word made
/// a link to its definition.
pub(super) fn linked(escaped: &str) -> String {
    let mut out = escaped.to_owned();
    for (word, anchor) in LINKED {
        let Some(at) = whole_word(&out, word) else { continue };
        let link = format!("<a href=\"#g-{anchor}\">{word}</a>");
        out.replace_range(at..at + word.len(), &link);
    }
    out
}

/// Where `word` first occurs in `text` as a whole word, outside a tag.
fn whole_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word).map(|i| i + from) {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let inside_tag = text[..i].rfind('<') > text[..i].rfind('>');
        let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '-' && c != '#');
        if edge(before) && edge(after) && !inside_tag {
            return Some(i);
        }
        from = i + word.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_link_as_whole_words_once_and_never_inside_a_tag() {
        assert_eq!(
            linked("lowers it by 5.0 pp; an approach of pp"),
            "lowers it by 5.0 <a href=\"#g-pp\">pp</a>; an approach of pp"
        );
        assert_eq!(linked("uncensored"), "uncensored");
        let twice = linked("Kaplan-Meier median; Kaplan-Meier again");
        assert_eq!(twice.matches("href").count(), 1, "{twice}");
        // A link's own text is not linked again by a later word.
        assert_eq!(linked("<a href=\"#g-pp\">x</a>"), "<a href=\"#g-pp\">x</a>");
    }

    #[test]
    fn every_linked_word_has_a_definition() {
        for (_, anchor) in LINKED {
            assert!(TERMS.iter().any(|t| t.1 == anchor), "{anchor}");
        }
    }
}
