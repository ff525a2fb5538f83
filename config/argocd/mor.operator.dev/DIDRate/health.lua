-- Argo CD health check for the mor.operator.dev kinds (MorServer, MorDefaults, DIDRate,
-- LocationRule). They share one status shape, so one script serves all four.
--
-- Source of truth: config/argocd/health.lua in the mor-operator repository. The copies
-- in mor.operator.dev/<Kind>/health.lua and argocd-cm-patch.yaml are generated from it
-- with `go test ./config/argocd -update`.
--
--   Healthy      Ready=True, and both the Ready condition's observedGeneration and
--                status.observedGeneration equal metadata.generation: MOR matches the
--                current spec. A failed last call (Synced=False) does not change this.
--   Degraded     Stalled=True: progress needs a person (MOR rejected the spec,
--                authentication failed, a Secret or MorServer is missing, a conflicting
--                MorDefaults). Message: the Stalled condition's message. A Stalled
--                condition left from an older generation is not counted: the operator
--                has yet to look at the edited spec.
--   Suspended    Ready=False reason Paused (the mor.operator.dev/paused annotation): the
--                operator makes no MOR call on purpose, as for a suspended CronJob.
--   Healthy      also Ready=False reason Drifted at the current generation: an
--                ObserveOnly resource doing what it was asked, reporting MOR's drift
--                (message "Drifted: ..."; status.drift has the values). Progressing
--                would never end, and Degraded would page for a report.
--   Progressing  anything else. Message: the Ready condition's message, or "Waiting for
--                the operator" while there is no status for the current generation.
--
-- Written for Argo CD's restricted Lua environment (argocd-cm scripts get only the base,
-- package, table and a safe os library): no string library.

local waiting = "Waiting for the operator"

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

local function condition(conditions, conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

-- An observedGeneration is stale when it is set and differs from metadata.generation.
local function stale(observed)
  return observed ~= nil and generation ~= nil and observed ~= generation
end

local function result(status, message)
  local hs = {}
  hs.status = status
  if message ~= nil and message ~= "" then
    hs.message = message
  end
  return hs
end

if obj.status == nil or obj.status.conditions == nil then
  return result("Progressing", waiting)
end
local conditions = obj.status.conditions

local stalled = condition(conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" and not stale(stalled.observedGeneration) then
  local message = stalled.message
  if message == nil or message == "" then
    message = stalled.reason
  end
  return result("Degraded", message)
end

local ready = condition(conditions, "Ready")
if ready == nil or stale(ready.observedGeneration) then
  return result("Progressing", waiting)
end

if ready.status == "True" then
  -- Healthy only with proof that both were computed for this generation.
  if generation ~= nil and ready.observedGeneration == generation
      and obj.status.observedGeneration == generation then
    return result("Healthy", ready.message)
  end
  return result("Progressing", waiting)
end

if ready.reason == "Paused" then
  return result("Suspended", ready.message)
end

local message = ready.message
if message == nil or message == "" then
  message = ready.reason
end
if ready.reason == "Drifted" and generation ~= nil and ready.observedGeneration == generation
    and obj.status.observedGeneration == generation then
  return result("Healthy", "Drifted: " .. message)
end
if message == nil or message == "" then
  message = waiting
end
return result("Progressing", message)
