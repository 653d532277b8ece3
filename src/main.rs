fn main() -> std::process::ExitCode {
    bgsim::cli::main()
}
