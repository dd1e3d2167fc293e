fn main() -> std::process::ExitCode {
    modsim::cli::main()
}
