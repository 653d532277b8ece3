mod cli;

fn main() -> std::process::ExitCode {
    // A closed pipe (`bgsim params | head -1`) ends the process quietly, as for any Unix tool,
    // instead of a panic on the failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::main()
}
