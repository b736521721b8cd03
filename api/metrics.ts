// GET /api/metrics → the Prometheus text exposition, as a serverless function.
// The logic, shared by all three, is in pipeline/query/service.ts; api/_service.ts builds it from the environment.
import {handleRoute, type PlatformContext} from "./_service.ts";

export default async function metrics(request: Request, context?: PlatformContext): Promise<Response> {
  return handleRoute("/api/metrics", request, {address: context?.ip});
}

// Vercel's Node runtime hands a Web Request only to per-method exports (a plain default export gets
// Node's (req, res)); Netlify and the local server use the default export.
export {metrics as GET, metrics as POST, metrics as OPTIONS};
