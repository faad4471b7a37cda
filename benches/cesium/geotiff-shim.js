// geotiff.js's browser bundle (a UMD script setting globalThis.GeoTIFF) as the module tiff-imagery-provider imports.
const G = globalThis.GeoTIFF;
export const { Pool, fromBlob, fromUrl } = G;
export default G;
