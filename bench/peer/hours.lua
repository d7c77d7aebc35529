-- bench/peer/hours.lua: wrk script for POST /api/hours with logged-in
-- sessions.  TOKENS (comma-separated bearer tokens) comes from the
-- environment; each request logs a quarter hour on a random day, so no
-- day ever reaches 24 hours.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do
	tokens[#tokens + 1] = t
end
local n = 0

function setup(thread)
	thread:set("id", n)
	n = n + 1
end

function init(args)
	math.randomseed(id * 7919 + os.time())
end

function request()
	local tok = tokens[math.random(#tokens)]
	local day = string.format("%04d-%02d-%02d", math.random(1950, 2149),
	    math.random(1, 12), math.random(1, 28))
	local body = '{"date":"' .. day .. '","hours":0.25,"activity":"wrk"}'
	return wrk.format("POST", "/api/hours", {
		["Authorization"] = "Bearer " .. tok,
		["Content-Type"] = "application/json",
	}, body)
end

-- Non-2xx/3xx answers (a 422 would be one) show up in errors.status.
function done(summary, latency, requests)
	io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
