export function conglomerateMessages(envs, meta) { return envs.map(meta); }
