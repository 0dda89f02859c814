-- The Neovim test's steps (run with -c 'luafile driver.lua' after init.lua opened the driver):
-- wait for DMA Scope's diagnostics, hover the map call, apply the quick fix for the unchecked
-- map, write the file, and record what happened in $DMA_SCOPE_RESULT for the mocha side.
-- With DMA_SCOPE_MODE=replay: run the "Replay lifecycle" code lens of the map call instead, as a
-- user does (:lua vim.lsp.codelens.run()), and record the command's answer (the page it wrote).
local result = { steps = {} }
local function step(s) table.insert(result.steps, s) end

local function finish(ok, err)
  result.ok = ok
  result.error = err
  local f = assert(io.open(vim.env.DMA_SCOPE_RESULT, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
end

local function run()
  local buf = vim.api.nvim_get_current_buf()
  local client
  assert(vim.wait(15000, function()
    client = vim.lsp.get_active_clients()[1]
    return client ~= nil and client.initialized == true
  end, 50), 'the dma-scope client did not start')
  step('started')

  -- 1. diagnostics with rule ids
  local diags
  assert(vim.wait(15000, function()
    diags = vim.diagnostic.get(buf)
    return #diags > 0
  end, 50), 'no diagnostics')
  result.diagnostics = {}
  for _, d in ipairs(diags) do
    table.insert(result.diagnostics, { code = d.code, source = d.source, lnum = d.lnum, col = d.col, message = d.message, severity = d.severity })
  end
  step('diagnostics')

  -- 2. hover on the map call
  local d = diags[1]
  local uri = vim.uri_from_bufnr(buf)
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', { textDocument = { uri = uri }, position = { line = d.lnum, character = d.col + 2 } }, 10000)
  for _, r in pairs(hover or {}) do
    if r.result and r.result.contents then result.hover = r.result.contents.value end
  end
  step('hover')

  -- 3. the quick fix for the unchecked map, applied as a workspace edit
  local lsp_diag = {
    range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
    message = d.message, code = d.code, source = d.source, severity = d.severity,
  }
  local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = uri }, range = lsp_diag.range, context = { diagnostics = { lsp_diag } },
  }, 10000)
  result.actions = {}
  local chosen
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(result.actions, a.title)
      if not chosen and a.isPreferred then chosen = a end
    end
  end
  assert(chosen, 'no preferred quick fix')
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or 'utf-16')
  step('applied')

  -- 4. the server re-checks the edited buffer: no diagnostic left
  assert(vim.wait(15000, function() return #vim.diagnostic.get(buf) == 0 end, 50), 'the diagnostic stayed after the fix')
  step('rechecked')
  vim.cmd('write')
  step('written')

  -- 5. shutdown + exit through the client
  local exited = false
  client.config.on_exit = function(code) result.server_exit = code; exited = true end
  vim.lsp.stop_client(client.id)
  vim.wait(10000, function() return exited or vim.lsp.get_client_by_id(client.id) == nil end, 50)
  step('stopped')
end

-- shutdown + exit through the client
local function stop(client)
  local exited = false
  client.config.on_exit = function(code) result.server_exit = code; exited = true end
  vim.lsp.stop_client(client.id)
  vim.wait(10000, function() return exited or vim.lsp.get_client_by_id(client.id) == nil end, 50)
  step('stopped')
end

local function run_replay()
  local buf = vim.api.nvim_get_current_buf()
  local client
  assert(vim.wait(15000, function()
    client = vim.lsp.get_active_clients()[1]
    return client ~= nil and client.initialized == true
  end, 50), 'the dma-scope client did not start')
  step('started')
  -- the command's answer, and how the server shows the page (a message, or window/showDocument from Neovim 0.8)
  local answered = false
  vim.lsp.handlers['workspace/executeCommand'] = function(err, res)
    result.replay = res
    result.replay_error = err and err.message or nil
    answered = true
  end
  result.messages = {}
  vim.lsp.handlers['window/showMessage'] = function(_, res) table.insert(result.messages, res.message) end
  vim.lsp.handlers['window/showDocument'] = function(_, res) result.shown = res.uri; return { success = true } end
  local lenses
  assert(vim.wait(15000, function()
    vim.lsp.codelens.refresh()
    lenses = vim.lsp.codelens.get(buf)
    return lenses ~= nil and #lenses > 0
  end, 200), 'no code lens')
  result.lenses = {}
  for _, l in ipairs(lenses) do table.insert(result.lenses, { title = l.command and l.command.title, line = l.range.start.line }) end
  step('lenses')
  vim.api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
  vim.lsp.codelens.run()
  assert(vim.wait(20000, function() return answered end, 50), 'the replay command did not answer')
  assert(vim.wait(5000, function() return result.shown ~= nil or #result.messages > 0 end, 50), 'the page was not shown')
  step('replayed')
  stop(client)
end

local ok, err = pcall(vim.env.DMA_SCOPE_MODE == 'replay' and run_replay or run)
finish(ok, err and tostring(err) or nil)
vim.cmd(ok and 'qa!' or 'cquit 1')
