;;; driver.el --- the Emacs test's steps  -*- lexical-binding: t -*-
;; Run after init.el visited the driver: start eglot as `eglot-ensure' does after the first command,
;; wait for DMA Scope's diagnostics in Flymake, hover the map call, apply the preferred quick fix
;; through `eglot-code-actions', save, shut the server down, and record what happened in
;; $DMA_SCOPE_RESULT (JSON) for the mocha side, which makes the assertions.
(require 'json)
(require 'cl-lib)
(defvar dma-scope-result (list (cons 'steps [])))
(defun dma-scope-step (s)
  (setf (alist-get 'steps dma-scope-result) (vconcat (alist-get 'steps dma-scope-result) (list s))))
(defun dma-scope-put (k v) (setf (alist-get k dma-scope-result) v))
(defun dma-scope-wait (pred secs what)
  "Wait for PRED as an interactive session would: serve the process and timers, run
`post-command-hook' as every command does (eglot connects from it) and the window hooks as a
redisplay does (Flymake starts once the buffer is on screen); batch mode does neither by itself."
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (run-hooks 'post-command-hook)
      (run-window-configuration-change-hook)
      (accept-process-output nil 0.05))
    (or (funcall pred) (error "Timed out waiting for %s" what))))
(defun dma-scope-finish (ok err)
  (dma-scope-put 'ok (if ok t :json-false))
  (when err (dma-scope-put 'error err))
  (with-temp-file (getenv "DMA_SCOPE_RESULT") (insert (json-encode dma-scope-result))))

(defun dma-scope-run ()
  (let ((buf (current-buffer)) server)
    (switch-to-buffer buf)
    (unless (eq major-mode 'c-mode) (error "The driver is not in c-mode: %s" major-mode))
    (dma-scope-wait (lambda () (setq server (eglot-current-server))) 15 "the eglot connection")
    (dma-scope-step "started")

    ;; 1. diagnostics with rule ids, as Flymake shows them
    (dma-scope-wait (lambda () (with-current-buffer buf (flymake-diagnostics))) 15 "diagnostics")
    (dma-scope-put 'diagnostics
                   (vconcat (mapcar (lambda (d)
                                      (let ((beg (flymake-diagnostic-beg d)))
                                        (list (cons 'text (flymake-diagnostic-text d))
                                              (cons 'type (symbol-name (flymake-diagnostic-type d)))
                                              (cons 'line (line-number-at-pos beg))
                                              (cons 'col (save-excursion (goto-char beg) (1+ (- beg (line-beginning-position))))))))
                                    (flymake-diagnostics))))
    (dma-scope-step "diagnostics")

    ;; 2. hover on the map call
    (let ((d (car (flymake-diagnostics))))
      (goto-char (+ (flymake-diagnostic-beg d) 2))
      (let ((h (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
        (dma-scope-put 'hover (plist-get (plist-get h :contents) :value)))
      (dma-scope-step "hover")

      ;; 3. the quick fix, picked the way M-x eglot-code-actions does (its default is the preferred action)
      (let* ((beg (flymake-diagnostic-beg d)) (end (flymake-diagnostic-end d))
             (actions (eglot-code-actions beg end)))
        (dma-scope-put 'actions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions)))
        (let ((last-nonmenu-event 13))
          (cl-letf (((symbol-function 'completing-read)
                     (lambda (_prompt _coll &optional _pred _req _init _hist def &rest _) def)))
            (eglot-code-actions beg end nil t)))))
    (dma-scope-step "applied")

    ;; 4. save: eglot sends the pending change with didSave (its idle timer never fires in batch
    ;; mode); the server re-checks the edited text: no diagnostic left
    (save-buffer)
    (dma-scope-step "written")
    (dma-scope-wait (lambda () (with-current-buffer buf (null (flymake-diagnostics)))) 15 "the re-check after the fix")
    (dma-scope-step "rechecked")

    ;; 5. shutdown + exit, and the server ends by itself. (M-x eglot-shutdown sends the same two
    ;; messages, but Emacs 28's jsonrpc then deletes the process at once, so its status would be
    ;; the SIGKILL, not the server's own exit code.)
    (let ((proc (jsonrpc--process server)))
      (setf (eglot--shutdown-requested server) t)
      (jsonrpc-request server :shutdown nil :timeout 10)
      (jsonrpc-notify server :exit nil)
      (dma-scope-wait (lambda () (not (process-live-p proc))) 10 "the server to exit")
      (dma-scope-put 'server_exit (process-exit-status proc)))
    (dma-scope-step "stopped")))

(condition-case err
    (progn (dma-scope-run) (dma-scope-finish t nil) (kill-emacs 0))
  (error (dma-scope-finish nil (error-message-string err)) (kill-emacs 1)))
;;; driver.el ends here
