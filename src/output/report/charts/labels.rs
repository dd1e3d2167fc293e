//! What a swept parameter is called on a chart: a name in words for an override path
//! (`platform.review.moderators` is "moderators"), from a table of the paths analysts
//! sweep most (worded as docs/scenario-format.md describes the keys), else the path's
//! last key with underscores as spaces. An entry of a list (a category, a ladder step,
//! an action) is named after the key, in brackets.

/// Names in words of keys, by the key and the table or list they belong to.
const KNOWN: [(&str, &str, &str); 24] = [
    ("review", "moderators", "moderators"),
    ("review", "hours_per_day", "shift length (hours a day)"),
    ("review", "review_time", "time to review an item"),
    ("review", "accuracy", "review accuracy"),
    ("review", "discipline", "review order"),
    ("review", "cost_per_moderator_day", "cost per moderator-day"),
    ("detection", "false_positive_rate", "false-positive rate"),
    ("orders", "handling_time", "time to handle an order"),
    ("orders", "compliance_probability", "share of orders acted on"),
    ("platform", "vpn_share", "share of users with a VPN"),
    ("platform", "revenue_per_user_day", "revenue per user-day"),
    ("platform", "daily_active_users", "daily active users"),
    ("platform", "uploads_per_day", "uploads a day"),
    ("regulator", "order_deadline", "order deadline"),
    ("regulator", "urgent_order_deadline", "urgent order deadline"),
    ("regulator", "crawler_samples_per_day", "crawler samples a day"),
    ("regulator", "order_preparation", "time to prepare an order"),
    ("unblock", "max_prevalence", "highest prevalence to lift a block"),
    ("unblock", "verification_period", "verification period"),
    ("unblock", "processing_time", "time to lift a verified block"),
    ("categories", "share", "share of uploads violating"),
    ("categories", "recall", "detection recall"),
    ("categories", "report_probability", "chance a view is reported"),
    ("categories", "views_per_item_per_day", "views per item a day"),
];

/// Lists whose entries are named (or indexed) in a path: the segment after one of
/// these is an entry, not a key.
const LISTS: [&str; 4] = ["categories", "ladder", "playbook", "events"];

/// The name in words of the parameter at override path `path`.
pub(super) fn parameter_name(path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    let Some((&key, parents)) = segments.split_last() else { return path.to_owned() };
    // The list entry the key belongs to: `categories.porn`, or `categories[0]`.
    let entry = parents.iter().enumerate().find_map(|(i, s)| {
        let (list, index) = s.split_once('[').map_or((*s, None), |(l, _)| (l, Some(*s)));
        if !LISTS.contains(&list) {
            return None;
        }
        let name = index.or_else(|| parents.get(i + 1).copied())?;
        Some((list, name))
    });
    let parent = entry.map(|e| e.0).or_else(|| parents.last().copied()).unwrap_or("");
    let words = KNOWN
        .iter()
        .find(|(p, k, _)| *p == parent && *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, _, name)| (*name).to_owned());
    match entry {
        Some((_, name)) if name != key => format!("{words} ({name})"),
        _ => words,
    }
}

/// An axis title for the parameter at `path`: its name in words and the path, so that
/// the reader can find it in the scenario ("moderators (platform.review.moderators)").
pub(super) fn parameter_label(path: &str) -> String {
    let name = parameter_name(path);
    if name == path {
        name
    } else {
        format!("{name} ({path})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_have_names_in_words() {
        assert_eq!(parameter_name("platform.review.moderators"), "moderators");
        assert_eq!(parameter_name("platform.detection.false_positive_rate"), "false-positive rate");
        assert_eq!(parameter_name("regulator.unblock.max_prevalence"), "highest prevalence to lift a block");
        assert_eq!(parameter_label("platform.review.moderators"), "moderators (platform.review.moderators)");
    }

    #[test]
    fn list_entries_are_named_in_brackets() {
        assert_eq!(
            parameter_name("platform.categories.pornography.share"),
            "share of uploads violating (pornography)"
        );
        assert_eq!(parameter_name("platform.categories[0].recall"), "detection recall (categories[0])");
        assert_eq!(parameter_name("playbook.cleanup.items_per_day"), "items per day (cleanup)");
        assert_eq!(parameter_name("regulator.ladder.block.trigger.wait"), "wait (block)");
    }

    #[test]
    fn unknown_paths_fall_back_to_their_last_key_in_words() {
        assert_eq!(parameter_name("platform.some_new_key"), "some new key");
        assert_eq!(parameter_label("platform.some_new_key"), "some new key (platform.some_new_key)");
        // A bare column name (a made-up folder) is its own label.
        assert_eq!(parameter_label("moderators"), "moderators");
        assert_eq!(parameter_label("fpr"), "fpr");
    }
}
