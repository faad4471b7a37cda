// Cesium's classic build (globalThis.Cesium) as the 'cesium' module tiff-imagery-provider imports.
const C = globalThis.Cesium;
export const {
  Color, WebMercatorTilingScheme, Rectangle, Cartesian3, Cartographic, Credit, Event, defined, Cartesian2,
  GeographicTilingScheme, DeveloperError, ImageryLayerFeatureInfo,
} = C;
const CMath = C.Math;
export { CMath as Math };
export default C;
