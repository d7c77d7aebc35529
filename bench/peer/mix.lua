-- bench/peer/mix.lua: wrk script for a traffic mix.  TOKENS (bearer
-- tokens, comma-separated) and MIX ("page:50,api:10,log:30,post:10",
-- weights) come from the environment.  page is GET /leaderboard, api
-- GET /api/leaderboard, log an astronaut's GET /log (Bearer; LOG_PATH
-- names another, such as the peer's /api/me), post
-- POST /api/hours of a quarter hour on a random day, as hours.lua does.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do
	tokens[#tokens + 1] = t
end
local kinds, cum, total = {}, {}, 0
for k, w in string.gmatch(os.getenv("MIX") or "page:1", "(%a+):(%d+)") do
	total = total + tonumber(w)
	kinds[#kinds + 1] = k
	cum[#cum + 1] = total
end
local n = 0

function setup(thread)
	thread:set("id", n)
	n = n + 1
end

function init(args)
	math.randomseed(id * 7919 + os.time())
end

local function pick()
	local r = math.random(total)
	for i = 1, #cum do
		if r <= cum[i] then
			return kinds[i]
		end
	end
	return kinds[#kinds]
end

function request()
	local k = pick()
	local auth = { ["Authorization"] = "Bearer " ..
	    tokens[math.random(#tokens)] }
	if k == "page" then
		return wrk.format("GET", "/leaderboard")
	elseif k == "api" then
		return wrk.format("GET", "/api/leaderboard")
	elseif k == "log" then
		return wrk.format("GET", os.getenv("LOG_PATH") or "/log", auth)
	end
	local day = string.format("%04d-%02d-%02d", math.random(1950, 2149),
	    math.random(1, 12), math.random(1, 28))
	auth["Content-Type"] = "application/json"
	return wrk.format("POST", "/api/hours", auth,
	    '{"date":"' .. day .. '","hours":0.25,"activity":"mix"}')
end
