//! The examples and longer texts of `--help`, kept apart from the argument definitions
//! (`args.rs`) so that each reads on its own. The examples are command lines that work
//! from the repository's root; `tests/cli_help.rs` checks that every command has them
//! and that help fits in 100 columns.

/// Help for a SCENARIO argument.
pub(super) const SCENARIO_HELP: &str =
    "A scenario file (TOML; docs/scenario-format.md). `modsim init` writes one to start from";

pub(super) const MAIN_EXAMPLES: &str = "\
Examples:
  modsim init my-case.toml                  write an annotated scenario to start from
  modsim run scenarios/tiktok-indonesia-2018.toml
  modsim compare scenarios/tiktok-indonesia-2018.toml
  modsim sweep my-case.toml --vary \"platform.review.moderators=20..200 step 20\"

Exit codes: 0 success, 2 bad input, 130 stopped by Ctrl-C, 1 anything else.";

pub(super) const RUN_EXAMPLES: &str = "\
Examples:
  modsim run scenarios/tiktok-indonesia-2018.toml
  modsim run my-case.toml --replications 300 --set platform.review.moderators=200
  modsim run my-case.toml --precision 0.02 --out output/precise
  modsim run --reproduce output/my-case/run.json";

pub(super) const COMPARE_EXAMPLES: &str = "\
Examples:
  modsim compare scenarios/tiktok-indonesia-2018.toml
  modsim compare ladder-a.toml ladder-b.toml --replications 500";

pub(super) const SWEEP_EXAMPLES: &str = "\
Examples:
  modsim sweep my-case.toml --vary \"platform.review.moderators=20..200 step 20\" \\
      --target \"block_probability<0.2\"
  modsim sweep my-case.toml --vary platform.review.moderators=20,50,100 \\
      --vary \"regulator.order_deadline=1d..7d step 1d\"

Quote a range or a target: the shell splits at spaces and reads < as a redirection.";

pub(super) const CALIBRATE_EXAMPLES: &str = "\
Example:
  modsim calibrate scenarios/calibration/indonesia.toml --population 200 --seed 1";

pub(super) const VALIDATE_EXAMPLES: &str = "\
Example:
  modsim validate scenarios/calibration/indonesia.toml --draws 500";

pub(super) const MERGE_EXAMPLES: &str = "\
Example:
  modsim run my-case.toml --shard 1/2 --out part-1
  modsim run my-case.toml --shard 2/2 --out part-2
  modsim merge part-1 part-2 --out output/my-case";

pub(super) const CHECK_EXAMPLES: &str = "\
Examples:
  modsim check my-case.toml
  modsim check scenarios/*.toml";

pub(super) const REPORT_EXAMPLES: &str = "\
Examples:
  modsim report output/tiktok-indonesia-2018
  modsim report output/tiktok-indonesia-2018-sweep --no-charts";

pub(super) const TRACE_EXAMPLES: &str = "\
Examples:
  modsim trace scenarios/tiktok-indonesia-2018.toml
  modsim trace my-case.toml --replication 7 --set platform.review.moderators=200";

pub(super) const INIT_EXAMPLES: &str = "\
Examples:
  modsim init                 writes scenario.toml and modsim.schema.json here
  modsim init cases/my-case.toml";

pub(super) const SCHEMA_EXAMPLES: &str = "\
Example:
  modsim schema > modsim.schema.json

Then make a scenario's first line `#:schema ./modsim.schema.json` (a TOML comment
to modsim).";

pub(super) const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  modsim completions bash > ~/.local/share/bash-completion/completions/modsim
  modsim completions zsh > ~/.zfunc/_modsim
  modsim completions fish > ~/.config/fish/completions/modsim.fish";

pub(super) const MAN_EXAMPLES: &str = "\
Examples:
  modsim man > modsim.1 && man ./modsim.1
  mkdir -p ~/.local/share/man/man1 && modsim man --dir ~/.local/share/man/man1";

/// For a command line whose `--vary` range the shell split at its spaces (`--vary
/// x=20..200 step 20` unquoted), the hint to quote it, with the words put back.
pub(super) fn unquoted_range_hint(args: &[String]) -> Option<String> {
    let at = args.iter().position(|a| a == "--vary" || a.starts_with("--vary="))?;
    let (value, rest) = match args[at].strip_prefix("--vary=") {
        Some(v) => (v, &args[at + 1..]),
        None => (args.get(at + 1)?.as_str(), args.get(at + 2..)?),
    };
    match rest {
        [kind, by, ..] if value.contains("..") && (kind == "step" || kind == "geometric") => Some(format!(
            "hint: quote the range, which the shell split at its spaces: --vary \"{value} {kind} {by}\""
        )),
        _ => None,
    }
}
