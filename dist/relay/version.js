"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) __createBinding(result, mod, k);
    __setModuleDefault(result, mod);
    return result;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.packageVersion = packageVersion;
/**
 * The package version, read from package.json at run time.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
let cached;
/**
 * The version of `jupyterlab-mcp-bridge` (from dist/relay/../../package.json).
 */
function packageVersion() {
    if (cached === undefined) {
        try {
            const file = path.join(__dirname, '..', '..', 'package.json');
            const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
            cached = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
        }
        catch {
            cached = '0.0.0';
        }
    }
    return cached;
}
//# sourceMappingURL=version.js.map