// The Ask page's query endpoint, fixed at build time: SUNLINE_API_URL (e.g. https://example.org/api)
// when the endpoint lives elsewhere, else null and the page calls "api" beside the site (npm run serve).
// A URL only: nothing secret goes to the site.
process.stdout.write(JSON.stringify({url: process.env.SUNLINE_API_URL || null}));
