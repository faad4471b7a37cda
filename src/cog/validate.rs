//! Cloud Optimized GeoTIFF validation: the rules of GDAL's `validate_cloud_optimized_geotiff.py`
//! (GDAL 3.6), ported rule by rule and worded as GDAL words them, read through the lazy header reader.
//!
//! The file is seen as GDAL's GTiff driver sees it: the first IFD is the main image, later IFDs with
//! NewSubfileType "reduced" (and not "mask") and as many samples are its overviews, in file order; masks
//! attach to the image of their size. The checks: tiling (a stripped image wider than 1024 px is an
//! error), overviews recommended above 512 px, the main IFD right after the header or after GDAL's ghost
//! area (`GDAL_STRUCTURAL_METADATA`), IFDs of overviews after the main IFD in order of decreasing size,
//! the first block of the smallest overview after the last IFD and the image data ordered from the
//! smallest overview to the main image. With `full_check`, the per-block checks that the ghost area
//! promises (row-major block order, 4-byte size leaders, repeated 4-byte trailers, masks interleaved
//! with imagery) read a few bytes around every block of band 1.
//!
//! Not ported: the check for an external `.ovr` file (only the one URL is read).

use crate::error::{ErrorKind, Result};
use crate::source::RangeSource;
use crate::tiff::tags::{SUBFILE_MASK, SUBFILE_REDUCED};
use crate::tiff::{DType, ImageInfo, TiffFile};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Range;

/// The outcome of [`validate`], as GDAL's script reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationReport {
    /// No errors (warnings allowed): the file is a valid cloud optimized GeoTIFF.
    pub valid: bool,
    /// What makes the file not cloud optimized, worded as GDAL's validator words it.
    pub errors: Vec<String>,
    /// Recommendations (e.g. overviews for images larger than 512 px).
    pub warnings: Vec<String>,
    /// Where the IFDs and the first blocks are, as the script's `details`.
    pub details: ValidationDetails,
}

/// The script's `details`: `{ifd_offsets: {main, overview_0, …}, data_offsets: {main, overview_0, …}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValidationDetails {
    /// File offset of each image's IFD (`main`, `overview_0`, …).
    pub ifd_offsets: BTreeMap<String, u64>,
    /// File offset of each image's first block (0 when it has none).
    pub data_offsets: BTreeMap<String, u64>,
}

/// The details compare with the JSON GDAL's script prints.
impl PartialEq<serde_json::Value> for ValidationDetails {
    fn eq(&self, other: &serde_json::Value) -> bool {
        serde_json::to_value(self).is_ok_and(|v| &v == other)
    }
}

/// What [`validate`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidateOptions {
    /// Report stripped images (`check_tiled` of the script; default true).
    pub check_tiled: bool,
    /// Read the leader and trailer bytes of every block (the script's `--full-check=yes`; default false:
    /// it costs two small reads per block).
    pub full_check: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions { check_tiled: true, full_check: false }
    }
}

impl ValidateOptions {
    /// The defaults with `full_check` set.
    pub fn full(full_check: bool) -> Self {
        ValidateOptions { full_check, ..Self::default() }
    }
}

/// The GDAL hidden structural metadata ("ghost area") written after the header by the COG driver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GhostArea {
    /// The `KEY=VALUE` lines as written.
    pub text: String,
    /// Where the main IFD is expected after it (2-byte aligned).
    pub expected_ifd_offset: u64,
}

impl GhostArea {
    fn has(&self, item: &str) -> bool {
        self.text.contains(item)
    }
}

const GHOST_PATTERN_LEN: u64 = "GDAL_STRUCTURAL_METADATA_SIZE=000000 bytes\n".len() as u64;
const GHOST_PREFIX: &str = "GDAL_STRUCTURAL_METADATA_SIZE=";

/// Reads `r`, shorter at the end of the file (as `VSIFReadL` does): through the header cache, falling
/// back to the source itself when the cache says the file ends inside the range.
async fn read_upto<S: RangeSource>(file: &TiffFile<S>, r: Range<u64>) -> Result<Vec<u8>> {
    match file.header_bytes(r.clone()).await {
        Ok(b) => Ok(b),
        Err(e) if matches!(e.kind, ErrorKind::Truncated { .. }) => {
            file.src.get_bytes(r.clone()).await.map_err(|e| e.at_url(file.url()).at_range(r))
        }
        Err(e) => Err(e.at_url(file.url())),
    }
}

/// Reads GDAL's ghost area after the header, if the file has one.
pub async fn ghost_area<S: RangeSource>(file: &TiffFile<S>) -> Result<Option<GhostArea>> {
    let start = if file.header.bigtiff { 16 } else { 8 };
    let got = read_upto(file, start..start + GHOST_PATTERN_LEN).await?;
    if got.len() as u64 != GHOST_PATTERN_LEN || !got.starts_with(GHOST_PREFIX.as_bytes()) {
        return Ok(None);
    }
    let digits = latin1(&got[GHOST_PREFIX.len()..GHOST_PREFIX.len() + 6]);
    let Ok(size) = digits.trim().parse::<u64>() else {
        return Err(crate::error::Error::format(format!("GDAL_STRUCTURAL_METADATA_SIZE={digits} is not a size"))
            .at_url(file.url())
            .at_range(start..start + GHOST_PATTERN_LEN));
    };
    let body_start = start + GHOST_PATTERN_LEN;
    let text = latin1(&read_upto(file, body_start..body_start + size).await?);
    let mut expected = body_start + size;
    expected += expected % 2;
    Ok(Some(GhostArea { text, expected_ifd_offset: expected }))
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The images GDAL's GTiff driver builds from the IFD chain (indexes into `file.images`).
struct GdalView {
    main: usize,
    overviews: Vec<usize>,
    main_mask: Option<usize>,
    overview_masks: Vec<Option<usize>>,
}

fn is_byte(img: &ImageInfo) -> bool {
    matches!(img.dtype, DType::U8 | DType::Bit)
}

/// Scans the chain as GDAL's `GTiffDataset::ScanDirectories` does (SubIFDs are not followed here).
fn gdal_view(images: &[ImageInfo]) -> GdalView {
    let main = &images[0];
    let mut v = GdalView { main: 0, overviews: Vec::new(), main_mask: None, overview_masks: Vec::new() };
    for (i, img) in images.iter().enumerate().skip(1) {
        let st = img.subfile_type;
        let samples_ok = img.samples == 1 || img.samples == main.samples;
        if st & SUBFILE_REDUCED != 0 && st & SUBFILE_MASK == 0 {
            if v.overviews.len() < 30 && img.samples == main.samples {
                v.overviews.push(i);
                v.overview_masks.push(None);
            }
        } else if st & SUBFILE_MASK != 0 && st & SUBFILE_REDUCED == 0 {
            if v.main_mask.is_none()
                && samples_ok
                && img.width == main.width
                && img.height == main.height
                && is_byte(img)
            {
                v.main_mask = Some(i);
            }
        } else if st & SUBFILE_REDUCED != 0 && st & SUBFILE_MASK != 0 && is_byte(img) {
            let slot = v.overviews.iter().zip(&v.overview_masks).position(|(&o, m)| {
                m.is_none() && images[o].width == img.width && images[o].height == img.height && samples_ok
            });
            if let Some(k) = slot {
                v.overview_masks[k] = Some(i);
            }
        }
    }
    v
}

/// GDAL's block size of band 1: the tile, or (width, rows per strip).
fn block_size(img: &ImageInfo) -> (u64, u64) {
    (img.tile_width, img.tile_height)
}

/// `BLOCK_OFFSET_x_y` / `BLOCK_SIZE_x_y` of band 1: `None` when the block's byte count is 0.
async fn block<S: RangeSource>(file: &TiffFile<S>, img: &ImageInfo, x: u64, y: u64) -> Result<Option<(u64, u64)>> {
    let i = img.tile_index(x, y, 0);
    let size = file.array_value(&img.byte_counts, i).await?;
    if size == 0 {
        return Ok(None);
    }
    Ok(Some((file.array_value(&img.offsets, i).await?, size)))
}

/// The offset of the first available block of band 1 in row-major order (0 if none).
async fn first_block_offset<S: RangeSource>(file: &TiffFile<S>, img: &ImageInfo) -> Result<u64> {
    for y in 0..img.tiles_down() {
        for x in 0..img.tiles_across() {
            if let Some((off, _)) = block(file, img, x, y).await? {
                return Ok(off);
            }
        }
    }
    Ok(0)
}

/// Validates `file` as a cloud optimized GeoTIFF with GDAL's rules.
pub async fn validate<S: RangeSource>(file: &TiffFile<S>, opts: ValidateOptions) -> Result<ValidationReport> {
    let url = file.url().to_string();
    let images = &file.images;
    let view = gdal_view(images);
    let main = &images[view.main];
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if main.width > 512 || main.height > 512 {
        let (bw, _) = block_size(main);
        if opts.check_tiled && bw == main.width && bw > 1024 {
            errors.push("The file is greater than 512xH or Wx512, but is not tiled".to_string());
        }
        if view.overviews.is_empty() {
            warnings.push(
                "The file is greater than 512xH or Wx512, it is recommended to include internal overviews".to_string(),
            );
        }
    }
    let ghost = check_main_ifd(file, main, &mut errors).await?;
    let (ifd_offsets, ifd_details) = check_overview_ifds(images, &view, opts, &mut errors);
    let last_ifd = ifd_offsets[ifd_offsets.len() - 1];
    let data_details = check_data_offsets(file, &view, last_ifd, &mut errors).await.map_err(|e| e.at_url(&url))?;
    if opts.full_check {
        full_check(file, &view, ghost.as_ref(), &mut errors).await.map_err(|e| e.at_url(&url))?;
    }
    Ok(ValidationReport {
        valid: errors.is_empty(),
        errors,
        warnings,
        details: ValidationDetails { ifd_offsets: ifd_details, data_offsets: data_details },
    })
}

/// The main IFD right after the header, or after GDAL's ghost area when the file has one (which is
/// returned); a ghost area declaring an incompatible edition is an error.
async fn check_main_ifd<S: RangeSource>(
    file: &TiffFile<S>,
    main: &ImageInfo,
    errors: &mut Vec<String>,
) -> Result<Option<GhostArea>> {
    if main.ifd_offset == 8 || main.ifd_offset == 16 {
        return Ok(None);
    }
    let ghost = ghost_area(file).await?;
    let expected = match &ghost {
        Some(g) => {
            if g.has("KNOWN_INCOMPATIBLE_EDITION=YES") {
                errors.push("KNOWN_INCOMPATIBLE_EDITION=YES is declared in the file".to_string());
            }
            g.expected_ifd_offset
        }
        None if file.header.bigtiff => 16,
        None => 8,
    };
    if expected != main.ifd_offset {
        errors.push(format!("The offset of the main IFD should be {expected}. It is {} instead", main.ifd_offset));
    }
    Ok(ghost)
}

/// Overviews by decreasing size, tiled, with their IFDs after the main one in order. Returns the IFD
/// offsets (main first) and the `ifd_offsets` details.
fn check_overview_ifds(
    images: &[ImageInfo],
    view: &GdalView,
    opts: ValidateOptions,
    errors: &mut Vec<String>,
) -> (Vec<u64>, BTreeMap<String, u64>) {
    let main = &images[view.main];
    let mut ifd_offsets = vec![main.ifd_offset];
    let mut details = BTreeMap::new();
    details.insert("main".to_string(), main.ifd_offset);
    for (i, &o) in view.overviews.iter().enumerate() {
        let ovr = &images[o];
        let prev = if i == 0 { main } else { &images[view.overviews[i - 1]] };
        if ovr.width > prev.width || ovr.height > prev.height {
            errors.push(if i == 0 {
                "First overview has larger dimension than main band".to_string()
            } else {
                format!("Overview of index {i} has larger dimension than overview of index {}", i - 1)
            });
        }
        let (bw, _) = block_size(ovr);
        if opts.check_tiled && bw == ovr.width && bw > 1024 {
            errors.push(format!("Overview of index {i} is not tiled"));
        }
        ifd_offsets.push(ovr.ifd_offset);
        details.insert(format!("overview_{i}"), ovr.ifd_offset);
        let (last, before) = (ifd_offsets[i + 1], ifd_offsets[i]);
        if last < before {
            errors.push(if i == 0 {
                format!(
                    "The offset of the IFD for overview of index {i} is {last}, whereas it should be greater than \
                     the one of the main image, which is at byte {before}"
                )
            } else {
                format!(
                    "The offset of the IFD for overview of index {i} is {last}, whereas it should be greater than \
                     the one of index {}, which is at byte {before}",
                    i - 1
                )
            });
        }
    }
    (ifd_offsets, details)
}

/// The first block of the smallest overview after the last IFD, and the image data ordered from the
/// smallest overview to the main image. Returns the `data_offsets` details.
async fn check_data_offsets<S: RangeSource>(
    file: &TiffFile<S>,
    view: &GdalView,
    last_ifd: u64,
    errors: &mut Vec<String>,
) -> Result<BTreeMap<String, u64>> {
    let images = &file.images;
    let mut data_offsets = vec![first_block_offset(file, &images[view.main]).await?];
    let mut details = BTreeMap::new();
    details.insert("main".to_string(), data_offsets[0]);
    for (i, &o) in view.overviews.iter().enumerate() {
        let off = first_block_offset(file, &images[o]).await?;
        data_offsets.push(off);
        details.insert(format!("overview_{i}"), off);
    }
    let last_data = data_offsets[data_offsets.len() - 1];
    if last_data != 0 && last_data < last_ifd {
        errors.push(if view.overviews.is_empty() {
            "The offset of the first block of the image should be after its IFD".to_string()
        } else {
            "The offset of the first block of the smallest overview should be after its IFD".to_string()
        });
    }
    for i in (1..data_offsets.len().saturating_sub(1)).rev() {
        if data_offsets[i] != 0 && data_offsets[i] < data_offsets[i + 1] {
            errors.push(format!(
                "The offset of the first block of overview of index {} should be after the one of the overview of \
                 index {i}",
                i - 1
            ));
        }
    }
    if data_offsets.len() >= 2 && data_offsets[0] != 0 && data_offsets[0] < data_offsets[1] {
        errors.push(format!(
            "The offset of the first block of the main resolution image should be after the one of the overview of \
             index {}",
            view.overviews.len() - 1
        ));
    }
    Ok(details)
}

/// The script's `--full-check`: the per-block promises of the ghost area, band by band (each image,
/// then its mask when the mask is a dataset of its own).
async fn full_check<S: RangeSource>(
    file: &TiffFile<S>,
    view: &GdalView,
    ghost: Option<&GhostArea>,
    errors: &mut Vec<String>,
) -> Result<()> {
    let flag = |item: &str| ghost.is_some_and(|g| g.has(item));
    let checks = BlockChecks {
        row_major: flag("BLOCK_ORDER=ROW_MAJOR"),
        leader: flag("BLOCK_LEADER=SIZE_AS_UINT4"),
        trailer: flag("BLOCK_TRAILER=LAST_4_BYTES_REPEATED"),
    };
    let mask_interleaved = flag("MASK_INTERLEAVED_WITH_IMAGERY=YES");
    if !(checks.row_major || checks.leader || checks.trailer || mask_interleaved) {
        return Ok(());
    }
    let images = &file.images;
    let per_dataset = |m: Option<usize>| m.filter(|&k| images[k].samples == 1).map(|k| &images[k]);
    let interleaved = |m: Option<usize>| if mask_interleaved { m.map(|k| &images[k]) } else { None };
    let mut bands: Vec<(String, &ImageInfo, Option<&ImageInfo>)> =
        vec![("Main resolution image".into(), &images[view.main], interleaved(view.main_mask))];
    if let Some(m) = per_dataset(view.main_mask) {
        bands.push(("Mask band of main resolution image".into(), m, None));
    }
    for (i, (&o, &m)) in view.overviews.iter().zip(&view.overview_masks).enumerate() {
        bands.push((format!("Overview {i}"), &images[o], interleaved(m)));
        if let Some(mi) = per_dataset(m) {
            bands.push((format!("Mask band of overview {i}"), mi, None));
        }
    }
    for (name, img, mask) in bands {
        full_check_band(file, &name, img, mask, checks, errors).await?;
    }
    Ok(())
}

/// What the ghost area promises about every block.
#[derive(Clone, Copy)]
struct BlockChecks {
    row_major: bool,
    leader: bool,
    trailer: bool,
}

/// The script's `full_check_band`: block order, leaders, trailers, and the mask block right after its
/// imagery block when masks are interleaved (`mask` is then the band's mask image).
async fn full_check_band<S: RangeSource>(
    file: &TiffFile<S>,
    name: &str,
    img: &ImageInfo,
    mask: Option<&ImageInfo>,
    c: BlockChecks,
    errors: &mut Vec<String>,
) -> Result<()> {
    let mask = match mask {
        Some(m) if block_size(m) != block_size(img) => {
            errors.push(format!("{name}: mask block size is different from its imagery band"));
            None
        }
        m => m,
    };
    let extra = if c.leader { 4 } else { 0 } + if c.trailer { 4 } else { 0 };
    let mut last_offset = 0;
    for y in 0..img.tiles_down() {
        for x in 0..img.tiles_across() {
            let (mut offset, bytecount) = block(file, img, x, y).await?.unwrap_or_default();
            if offset > 0 {
                if c.row_major && offset < last_offset {
                    errors.push(format!("{name}: offset of block ({x}, {y}) is smaller than previous block"));
                }
                if c.leader {
                    let b = read_data(file, offset.saturating_sub(4)..offset).await?;
                    let size = if b.len() == 4 { u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64 } else { 0 };
                    if size != bytecount {
                        errors.push(format!(
                            "{name}: for block ({x}, {y}), size in leader bytes is {size} instead of {bytecount}"
                        ));
                    }
                }
                if c.trailer && bytecount >= 4 {
                    let start = offset + bytecount - 4;
                    let b = read_data(file, start..start + 8).await?;
                    let (a, rest) = b.split_at(b.len().min(4));
                    if a != &rest[..rest.len().min(4)] {
                        errors.push(format!("{name}: for block ({x}, {y}), trailer bytes are invalid"));
                    }
                }
            }
            if let Some(m) = mask {
                let offset_mask = block(file, m, x, y).await?.map_or(0, |b| b.0);
                if offset > 0 && offset_mask > 0 {
                    let expected = offset + bytecount + extra;
                    if offset_mask != expected {
                        errors.push(format!(
                            "Mask of {name}: for block ({x}, {y}), offset is {offset_mask}, whereas {expected} was \
                             expected"
                        ));
                    }
                } else if offset == 0 && offset_mask > 0 {
                    if c.row_major && offset_mask < last_offset {
                        errors
                            .push(format!("Mask of {name}: offset of block ({x}, {y}) is smaller than previous block"));
                    }
                    offset = offset_mask;
                }
            }
            last_offset = offset;
        }
    }
    Ok(())
}

/// A few bytes of tile data (not through the header cache), shorter at the end of the file.
async fn read_data<S: RangeSource>(file: &TiffFile<S>, r: Range<u64>) -> Result<Vec<u8>> {
    file.src.get_bytes(r.clone()).await.map_err(|e| e.at_range(r))
}
