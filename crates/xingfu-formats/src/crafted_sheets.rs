//! Hostile workbooks for tests: small files that declare or inflate to huge sheets. Built with
//! the `crafted-sheets` feature (tests of the crates that read spreadsheets).

use std::io::{Cursor, Read};

use rust_xlsxwriter::Workbook;

/// One text cell at the last cell Excel has, `XFD1048576`, under a header row `headers`.
pub fn far_cell_xlsx(sheet: &str, headers: &[&str]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).expect("a valid sheet name");
    for (column, header) in headers.iter().enumerate() {
        worksheet
            .write_string(0, column as u16, *header)
            .expect("a header cell");
    }
    worksheet
        .write_string(1_048_575, 16_383, "x")
        .expect("the last cell");
    workbook.save_to_buffer().expect("a workbook")
}

/// A one-cell workbook whose cell says it stands at `reference` (as `A99999999999`, past any
/// row number a spreadsheet program writes): the sheet's XML rewritten after it was built.
pub fn cell_reference_xlsx(sheet: &str, reference: &str) -> Vec<u8> {
    use std::io::Write;
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).expect("a valid sheet name");
    worksheet.write_string(0, 0, "code").expect("a cell");
    let valid = workbook.save_to_buffer().expect("a workbook");
    let mut archive = zip::ZipArchive::new(Cursor::new(&valid[..])).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).expect("a part");
        let mut data = Vec::new();
        part.read_to_end(&mut data).expect("the part's bytes");
        let name = part.name().expect("a part name").to_string();
        if name.starts_with("xl/worksheets/") {
            let text = String::from_utf8(data).expect("XML");
            data = text
                .replace("r=\"A1\"", &format!("r=\"{reference}\""))
                .into_bytes();
        }
        out.start_file(name, stored).expect("a part");
        out.write_all(&data).expect("written");
    }
    out.finish().expect("a zip").into_inner()
}

/// `rows` rows of one number each, in column A.
pub fn many_rows_xlsx(sheet: &str, rows: u32) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).expect("a valid sheet name");
    for row in 0..rows {
        worksheet.write_number(row, 0, 1.0).expect("a cell");
    }
    workbook.save_to_buffer().expect("a workbook")
}

/// A small valid workbook plus a part `xl/media/padding.bin` of `inflated` spaces that says it
/// holds `declared` bytes (a lie when they differ). Its deflate stream repeats one 258-byte
/// back-reference, so a 200 MiB part takes about 1.3 MB and no time to build.
pub fn inflating_xlsx(sheet: &str, inflated: u64, declared: u64) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).expect("a valid sheet name");
    worksheet.write_string(0, 0, "code").expect("a cell");
    let valid = workbook.save_to_buffer().expect("a workbook");
    let mut archive = zip::ZipArchive::new(Cursor::new(&valid[..])).expect("a zip");
    let mut parts = Vec::new();
    for index in 0..archive.len() {
        let mut part = archive.by_index_raw(index).expect("a part");
        let mut data = Vec::new();
        part.read_to_end(&mut data).expect("the part's bytes");
        let method = if part.compression() == zip::CompressionMethod::Stored {
            0
        } else {
            8
        };
        parts.push(Part {
            name: part.name_raw().to_vec(),
            method,
            crc: part.crc32(),
            size: part.size(),
            data,
        });
    }
    parts.push(Part {
        name: b"xl/media/padding.bin".to_vec(),
        method: 8,
        crc: 0,
        size: declared,
        data: deflated_spaces(inflated),
    });
    zip_of(&parts)
}

struct Part {
    name: Vec<u8>,
    method: u16,
    crc: u32,
    size: u64,
    data: Vec<u8>,
}

/// A ZIP archive of already compressed parts, sizes as given (32-bit fields).
fn zip_of(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for part in parts {
        let offset = out.len() as u32;
        let fields = |out: &mut Vec<u8>| {
            out.extend_from_slice(&20u16.to_le_bytes()); // version needed
            out.extend_from_slice(&0u16.to_le_bytes()); // flags
            out.extend_from_slice(&part.method.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes()); // time and date
            out.extend_from_slice(&part.crc.to_le_bytes());
            out.extend_from_slice(&(part.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(part.size.min(u64::from(u32::MAX - 1)) as u32).to_le_bytes());
            out.extend_from_slice(&(part.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        fields(&mut out);
        out.extend_from_slice(&part.name);
        out.extend_from_slice(&part.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        fields(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&part.name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

/// A raw deflate stream (one block, fixed Huffman codes) of `count` spaces: a literal, then
/// copies of length 258 at distance 1, then literals for the rest.
fn deflated_spaces(count: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.push_lsb(1, 1); // last block
    bits.push_lsb(1, 2); // fixed Huffman codes
    let space = 0x30 + u32::from(b' '); // literals 0–143 are 0x30 + value, 8 bits
    let mut left = count;
    if left > 0 {
        bits.push_code(space, 8);
        left -= 1;
    }
    while left >= 258 {
        bits.push_code(0xC5, 8); // length symbol 285: 258 bytes
        bits.push_code(0, 5); // distance code 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.push_code(space, 8);
    }
    bits.push_code(0, 7); // end of block
    bits.bytes
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    used: u32,
}

impl Bits {
    fn push_bit(&mut self, bit: u32) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit != 0 {
            *self.bytes.last_mut().expect("a byte") |= 1 << (self.used % 8);
        }
        self.used += 1;
    }

    /// A value, least significant bit first (headers and extra bits).
    fn push_lsb(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.push_bit((value >> i) & 1);
        }
    }

    /// A Huffman code, most significant bit first.
    fn push_code(&mut self, code: u32, count: u32) {
        for i in (0..count).rev() {
            self.push_bit((code >> i) & 1);
        }
    }
}
