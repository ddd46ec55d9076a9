import { openTsIndex } from "../../src/index/ts-index.ts";
import { runIndexContract } from "./index-contract.ts";

runIndexContract("pure TypeScript", (dir) => openTsIndex(dir));
