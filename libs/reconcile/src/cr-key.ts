/** The CR key format is the shared model's (@lostromos/model): one format, one parser. */
export { formatCrKey, parseCrKey } from '@lostromos/model';
