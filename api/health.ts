// GET /api/health → snapshot id, mode (llm or template), model and tables, as a serverless function.
// The logic, shared by all three, is in pipeline/query/service.ts; api/service.ts builds it from the environment.
import {handleRoute, type PlatformContext} from "./service.ts";

export default async function health(request: Request, context?: PlatformContext): Promise<Response> {
  return handleRoute("/api/health", request, {address: context?.ip});
}
