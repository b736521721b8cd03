// GET /api/metrics → the Prometheus text exposition, as a serverless function.
// The logic, shared by all three, is in pipeline/query/service.ts; api/service.ts builds it from the environment.
import {handleRoute, type PlatformContext} from "./service.ts";

export default async function metrics(request: Request, context?: PlatformContext): Promise<Response> {
  return handleRoute("/api/metrics", request, {address: context?.ip});
}
