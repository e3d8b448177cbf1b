//! The conventions of the CLI: no escape codes without a terminal or with NO_COLOR, help with
//! examples and the exit codes, shell completions, and secrets kept out of the output.

mod common;

use common::{Server, send0, stderr_of, stdout_of};
use predicates::prelude::*;

const ESC: char = '\u{1b}';

#[test]
fn no_escape_codes_without_a_terminal_or_with_no_color() {
    let server = Server::start();
    server.endpoint("http://127.0.0.1:9/colour");
    // A table (its header is bold on a terminal) and an error (its `error:` is red there).
    let runs: [&[&str]; 2] = [&["webhooks", "list"], &["webhooks", "get", "wh_000000000000"]];
    for args in runs {
        let plain = server.send0().args(args).output().unwrap();
        let output = format!("{}{}", stdout_of(&plain), stderr_of(&plain));
        assert!(!output.contains(ESC), "not a terminal: {output:?}");
        assert!(!output.is_empty());

        // NO_COLOR wins over a request to colour when there is no explicit --color.
        let no_color = server.send0().args(args).env("NO_COLOR", "1").env("CLICOLOR", "1").output().unwrap();
        let output = format!("{}{}", stdout_of(&no_color), stderr_of(&no_color));
        assert!(!output.contains(ESC) && !output.is_empty(), "NO_COLOR: {output:?}");

        // The styles are there to be removed: --color always keeps them.
        let forced = server.send0().args(args).args(["--color", "always"]).output().unwrap();
        let output = format!("{}{}", stdout_of(&forced), stderr_of(&forced));
        assert!(output.contains(ESC), "--color always: {output:?}");
    }
}

#[test]
fn help_has_examples_and_the_exit_codes() {
    send0()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("Exit codes:")))
        .stdout(predicate::str::contains("  4  a check said no"));
    for command in [&["listen"][..], &["trigger"], &["webhooks"], &["sign"], &["verify"], &["completions"]] {
        send0().args(command).arg("--help").assert().success().stdout(predicate::str::contains("Examples:"));
    }
    send0().args(["listen", "--help"]).assert().success().stdout(predicate::str::contains("How it works:"));
    send0().arg("--version").assert().success().stdout(predicate::str::starts_with("send0 "));
    send0().arg("nonsense").assert().code(2);
}

#[test]
fn completions_for_bash() {
    let output = send0().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = stdout_of(&output);
    assert!(script.contains("_send0()") && script.contains("complete -F _send0"), "{script}");
    for word in ["listen", "trigger", "webhooks", "rotate-secret", "--forward-to", "--print-secret"] {
        assert!(script.contains(word), "{word}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        send0().args(["completions", shell]).assert().success().stdout(predicate::str::is_empty().not());
    }
    send0().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn keys_and_secrets_stay_out_of_help_and_errors() {
    let key = "sk_test_HiddenKeyMaterial42";
    let secret = "whsec_SGlkZGVuU2VjcmV0TWF0ZXJpYWwxMjM0NTY3OA==";
    for args in [&["--help"][..], &["verify", "--help"], &["sign", "--help"]] {
        send0()
            .args(args)
            .env("SEND0_API_KEY", key)
            .env("SEND0_WEBHOOK_SECRET", secret)
            .assert()
            .success()
            .stdout(
                predicate::str::contains("HiddenKey").not().and(predicate::str::contains("SGlkZGVu").not()),
            );
    }
    let server = Server::start();
    let output = server.send0().args(["webhooks", "list"]).env("SEND0_API_KEY", key).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!stderr_of(&output).contains("HiddenKey"), "{}", stderr_of(&output));
    // The webhook secret from the environment signs, and is never printed.
    let output = send0()
        .args(["sign", "--id", "m"])
        .env("SEND0_WEBHOOK_SECRET", secret)
        .write_stdin("{}")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!stdout_of(&output).contains("SGlkZGVu"));
}
