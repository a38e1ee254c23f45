-- wrk script: POST the GraphQL body in $KGQL_BODY (a file) to the URL; with $KGQL_WRITE_BODY,
-- every tenth request posts that body instead (a 90/10 read/write mix).
local function read(path)
  local f = assert(io.open(path, "rb")); local s = f:read("*a"); f:close(); return s
end
local body = read(os.getenv("KGQL_BODY"))
local wpath = os.getenv("KGQL_WRITE_BODY")
local wbody = wpath and wpath ~= "" and read(wpath) or nil
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  if wbody and n % 10 == 0 then
    return wrk.format(nil, nil, nil, (wbody:gsub("__N__", tostring(n) .. "-" .. tostring(math.random(1e9)))))
  end
  return wrk.format(nil, nil, nil, body)
end
response = function(status, headers, body)
  if status ~= 200 or body:find('"errors"') then
    io.stderr:write("bad response: " .. status .. " " .. body:sub(1, 200) .. "\n")
  end
end
