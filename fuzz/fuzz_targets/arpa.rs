//! The ARPA reader: any bytes either load as a model or give a one-line
//! error. A model that loads writes ARPA that reads back and writes again
//! byte for byte the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nglab_lm::Model;

fuzz_target!(|data: &[u8]| {
    let model = match Model::read_arpa(data, 1) {
        Ok(model) => model,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "multi-line error {msg:?}");
            return;
        }
    };
    let mut first = Vec::new();
    model.write_arpa(&mut first, 1).expect("writing to memory");
    let again = match Model::read_arpa(first.as_slice(), 1) {
        Ok(model) => model,
        Err(e) => panic!("our own ARPA does not read back: {e}\n{}", String::from_utf8_lossy(&first)),
    };
    let mut second = Vec::new();
    again.write_arpa(&mut second, 1).expect("writing to memory");
    assert!(
        first == second,
        "write -> read -> write differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
});
