//! Regenerates `bindings-go/include/send0.h` from the exports on every build. The header is
//! committed; `make test` fails when the committed copy differs from what the build wrote.

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let header = std::path::Path::new(&crate_dir).join("../include/send0.h");
    let config = cbindgen::Config::from_file(std::path::Path::new(&crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("the C header generates")
        .write_to_file(header);
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
}
