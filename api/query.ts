// POST /api/query {"question": "…"} → the answer, as a serverless function (Web-standard Request → Response).
// The logic, shared by all three, is in pipeline/query/service.ts; api/service.ts builds it from the environment.
import {handleRoute, type PlatformContext} from "./service.ts";

export default async function query(request: Request, context?: PlatformContext): Promise<Response> {
  return handleRoute("/api/query", request, {address: context?.ip});
}
