;;; init.el --- DMA Scope in Emacs with eglot: the set-up the README shows  -*- lexical-binding: t -*-
;; Used as-is by the Emacs test (test/emacs): DMA_SCOPE_CMD overrides the command (the test points it
;; at the freshly built dist/cli.js). Eglot 1.9 (Debian elpa-eglot) on Emacs 28; Emacs 29+ ship eglot.
(require 'eglot)
(defvar dma-scope-command
  (if (getenv "DMA_SCOPE_CMD") (split-string (getenv "DMA_SCOPE_CMD")) '("dma-scope" "lsp" "--stdio")))
(add-to-list 'eglot-server-programs `((c-mode c-ts-mode) . ,dma-scope-command))
;; settings, answered to workspace/configuration
(setq-default eglot-workspace-configuration '(:dmaScope (:rules (:map-error-unchecked "warning"))))
(add-hook 'c-mode-hook #'eglot-ensure)
;;; init.el ends here
