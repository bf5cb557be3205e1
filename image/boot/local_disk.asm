; pxelab's "local disk" for the boot-mode tests (issue 11, FW-47): a master boot record
; that proves a machine set to local boot really booted its own disk. Written as the
; first sector of a raw disk image; the BIOS (or iPXE's `sanboot --drive 0x80`, which
; hands INT 19h-style control to the drive's MBR) loads it at 0x7C00 and jumps to it
; with DL = the drive. It prints "pxelab local disk: booted from drive 0xNN" on COM1
; (0x3F8, as image/boot/host_floppy.asm: not also int 10h, whose serial mirror would
; interleave) and halts.
;
; Build: nasm -f bin -o local_disk.bin local_disk.asm (the image/ CMakeLists does).
bits 16
cpu 286
org 0x7C00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    sti
    cld
    mov [drive], dl
    mov si, msg
    call puts
    mov al, [drive]           ; the drive number, two hex digits
    shr al, 4
    call hex
    mov al, [drive]
    and al, 0x0F
    call hex
    mov si, crlf
    call puts
.halt:
    cli
    hlt
    jmp .halt

; al = 0..15: one hex digit
hex:
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    jmp putc

%include "serial.inc"

msg   db 13, 10, "pxelab local disk: booted from drive 0x", 0
crlf  db 13, 10, 0
drive db 0

    times 446 - ($ - $$) db 0
    times 64 db 0             ; no partitions
    dw 0xAA55                 ; boot signature
