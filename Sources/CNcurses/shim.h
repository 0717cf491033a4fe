#ifndef GLMCHAT_CNCURSES_SHIM_H
#define GLMCHAT_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>
#include <pthread.h>
#include <ncursesw/curses.h>

// ncurses macros and globals, exported as functions so Swift never retypes their values.

/// The terminal on the process's stdin/stdout, using $TERM; NULL when it cannot be used.
static inline SCREEN *glmchat_newterm(void) { return newterm(NULL, stdout, stdin); }

static inline WINDOW *glmchat_stdscr(void) { return stdscr; }
static inline WINDOW *glmchat_curscr(void) { return curscr; }
static inline int glmchat_colors(void) { return COLORS; }
static inline int glmchat_color_pairs(void) { return COLOR_PAIRS; }
static inline int glmchat_rows(void) { int y, x; getmaxyx(stdscr, y, x); (void)x; return y; }
static inline int glmchat_columns(void) { int y, x; getmaxyx(stdscr, y, x); (void)y; return x; }

static inline attr_t glmchat_a_normal(void) { return A_NORMAL; }
static inline attr_t glmchat_a_bold(void) { return A_BOLD; }
static inline attr_t glmchat_a_dim(void) { return A_DIM; }
static inline attr_t glmchat_a_italic(void) { return A_ITALIC; }
static inline attr_t glmchat_a_underline(void) { return A_UNDERLINE; }
static inline attr_t glmchat_a_reverse(void) { return A_REVERSE; }

static inline int glmchat_key_f(int n) { return KEY_F(n); }
static inline mmask_t glmchat_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t glmchat_button5_pressed(void) { return BUTTON5_PRESSED; }
static inline mmask_t glmchat_button1_pressed(void) { return BUTTON1_PRESSED; }

/// Writes bytes straight to the terminal after what curses has sent (OSC 52 has no capability).
static inline void glmchat_write_raw(const char *bytes, size_t count) {
    fflush(stdout);
    while (count > 0) {
        ssize_t written = write(STDOUT_FILENO, bytes, count);
        if (written <= 0) break;
        bytes += written;
        count -= (size_t)written;
    }
}



/// Draws one cell: a spacing character plus its combining marks (`text` is NUL-terminated).
static inline int glmchat_put_cell(WINDOW *win, int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, (short)0, &pair) != OK) return ERR;
    return mvwadd_wch(win, y, x, &cell);
}

/// Escape sequences ncurses has no capability for: bracketed paste on and off.
static inline void glmchat_bracketed_paste(int on) {
    fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
    fflush(stdout);
}

/// Hands the terminal to another program (an editor): curses mode off, paste and mouse modes off.
static inline void glmchat_leave_screen(void) {
    def_prog_mode();
    glmchat_bracketed_paste(0);
    endwin();
    static const char reset[] = "\033[?1000l\033[?1006l";
    glmchat_write_raw(reset, sizeof reset - 1);
}

/// Takes the terminal back after `glmchat_leave_screen`; the next frame is drawn in full.
static inline void glmchat_return_screen(void) {
    reset_prog_mode();
    glmchat_bracketed_paste(1);
    clearok(curscr, TRUE);
}

/// Puts the terminal back (cursor, keypad, paste and mouse modes, cooked input). Safe to call
/// twice; used at normal exit, from atexit and from the fatal-signal handler.
static inline void glmchat_restore_terminal(void) {
    if (!isendwin()) {
        curs_set(1);
        endwin();
    }
    static const char reset[] = "\033[?2004l\033[?1000l\033[?1006l";
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)ignored;
}

/// Ctrl+Z: leave curses mode, stop like any job, and take the terminal again on `fg`. The UI
/// runs on a thread where the runtime blocks most signals, so SIGTSTP is unblocked here and
/// given its default action for the moment of the stop.
static inline void glmchat_suspend(void) {
    struct sigaction stop, previous;
    sigset_t tstp, mask;
    memset(&stop, 0, sizeof stop);
    stop.sa_handler = SIG_DFL;
    sigemptyset(&stop.sa_mask);
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    def_prog_mode();
    glmchat_bracketed_paste(0);
    endwin();
    sigaction(SIGTSTP, &stop, &previous);
    pthread_sigmask(SIG_UNBLOCK, &tstp, &mask);
    raise(SIGTSTP);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    sigaction(SIGTSTP, &previous, NULL);
    reset_prog_mode();
    glmchat_bracketed_paste(1);
    clearok(curscr, TRUE);
}

static inline void glmchat_restore_and_reraise(int signal_number) {
    glmchat_restore_terminal();
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

/// On termination and crash signals (Swift traps raise SIGILL or SIGTRAP): restore, then die of it.
/// The crash signals are also unblocked on the calling (UI) thread: the runtime blocks most
/// signals on its threads, and a blocked crash signal kills without running the handler.
static inline void glmchat_install_restore_handlers(void) {
    int signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP };
    int crashes[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP };
    sigset_t unblock;
    sigemptyset(&unblock);
    for (unsigned i = 0; i < sizeof crashes / sizeof crashes[0]; i++) sigaddset(&unblock, crashes[i]);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], glmchat_restore_and_reraise);
    atexit(glmchat_restore_terminal);
}
#endif
