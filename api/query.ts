// POST /api/query {"question": "…"} → the answer, as a serverless function (Web-standard Request → Response).
// The logic, shared by all three, is in pipeline/query/service.ts; api/_service.ts builds it from the environment.
import {handleRoute, type PlatformContext} from "./_service.ts";

export default async function query(request: Request, context?: PlatformContext): Promise<Response> {
  return handleRoute("/api/query", request, {address: context?.ip});
}

// Vercel's Node runtime hands a Web Request only to per-method exports (a plain default export gets
// Node's (req, res)); Netlify and the local server use the default export.
export {query as GET, query as POST, query as OPTIONS};
