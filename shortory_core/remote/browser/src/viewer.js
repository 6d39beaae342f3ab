export { VisionEngine, dominant } from "./engine.js";
