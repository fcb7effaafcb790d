-- wrk script for first-time loads: walk a list of paths in order, so that no
-- path is asked for twice within a run until the list runs out.
-- Usage: wrk -tT ... -s bench/walk.lua URL -- PATHS_FILE T
-- Each of the T threads takes its own slice of the list (threads share no
-- state in wrk) and its connections take the slice's paths one after
-- another. At the end of a slice the thread starts it again and counts a lap;
-- done() prints "walk: N paths, W wraps" so that the caller can say whether
-- any path was asked for twice.

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local all = {}
    for line in io.lines(args[1]) do all[#all + 1] = line end
    local n = tonumber(args[2])
    -- Slice [first, last] of the list for this thread (1-based, inclusive).
    first = math.floor(id * #all / n) + 1
    last = math.floor((id + 1) * #all / n)
    paths = {}
    for i = first, last do paths[#paths + 1] = all[i] end
    -- A list shorter than the thread count: this thread walks all of it.
    if #paths == 0 then paths = all end
    total = #all
    next_index = 1
    wraps = 0
end

function request()
    if next_index > #paths then
        next_index = 1
        wraps = wraps + 1
    end
    local path = paths[next_index]
    next_index = next_index + 1
    return wrk.format("GET", path)
end

function done(summary, latency, requests)
    local most = 0
    local n = 0
    for _, t in ipairs(threads) do
        most = math.max(most, t:get("wraps"))
        n = t:get("total")
    end
    io.write(string.format("walk: %d paths, %d wraps\n", n, most))
end
