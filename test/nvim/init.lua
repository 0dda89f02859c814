-- DMA Scope in Neovim with the built-in LSP client: the set-up the README shows,
-- used as-is by the Neovim test (test/nvim). DMA_SCOPE_CMD overrides the command
-- (the test points it at the freshly built dist/cli.js).
local cmd = vim.env.DMA_SCOPE_CMD and vim.split(vim.env.DMA_SCOPE_CMD, ' ', { trimempty = true }) or { 'dma-scope', 'lsp', '--stdio' }

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'c',
  callback = function(args)
    local root = vim.fs and vim.fs.dirname(vim.fs.find({ '.git', 'Kconfig', 'MAINTAINERS' }, { upward = true, path = vim.api.nvim_buf_get_name(args.buf) })[1] or '')
    if not root or root == '' then root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ':p:h') end
    local config = {
      name = 'dma-scope',
      cmd = cmd,
      root_dir = root,
      settings = { dmaScope = { rules = {} } },
    }
    if vim.lsp.start then
      vim.lsp.start(config) -- Neovim 0.8 and later: starts once per root, attaches the buffer
    else
      -- Neovim 0.7: start one client per root and attach each C buffer to it
      _G.dma_scope_clients = _G.dma_scope_clients or {}
      local id = _G.dma_scope_clients[root]
      if not id or vim.lsp.get_client_by_id(id) == nil then
        id = vim.lsp.start_client(config)
        _G.dma_scope_clients[root] = id
      end
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
