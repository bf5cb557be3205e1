; pxelab's boot sector for per-host floppies (the issue's "real proof").
;
; Booted from a FAT12 floppy (a real one, or an image memdisk presents as drive 0),
; it reads its own BPB, loads the root directory and the first FAT through BIOS
; int 13h (CHS from the BPB's sectors per track and heads), finds HOST.TXT, follows
; its cluster chain and prints the file on COM1 (0x3F8; see putc), between
; "pxelab floppy: begin" and "pxelab floppy: end" lines. Then it halts.
;
; Build: nasm -f bin -o host_floppy.bin host_floppy.asm (the image/ CMakeLists does).
; Bytes 3..61 are room for the BPB, which `pxelab image create` writes.
bits 16
cpu 286                       ; pusha/popa
org 0x7C00

%define BPB_SPC      0x7C0D   ; sectors per cluster (byte)
%define BPB_RSVD     0x7C0E   ; reserved sectors (word)
%define BPB_NFATS    0x7C10   ; number of FATs (byte)
%define BPB_ROOTENT  0x7C11   ; root entries (word)
%define BPB_SPF      0x7C16   ; sectors per FAT (word)
%define BPB_SPT      0x7C18   ; sectors per track (word)
%define BPB_HEADS    0x7C1A   ; heads (word)

%define ROOTBUF 0x8000        ; up to 15 sectors (240 entries)
%define FATBUF  0xA000        ; up to 9 sectors
%define DATABUF 0xC000        ; one cluster (at most 2 sectors on a floppy)

    jmp short start
    nop
    times 59 db 0             ; the BPB and extended BPB (bytes 3..61)

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

    mov si, msg_begin
    call puts

    mov al, [BPB_NFATS]       ; root directory: reserved + FATs * sectors per FAT
    xor ah, ah
    mul word [BPB_SPF]
    add ax, [BPB_RSVD]
    mov [root_lba], ax
    mov cx, [BPB_ROOTENT]
    add cx, 15
    shr cx, 4                 ; 16 entries per sector
    push cx
    mov bx, ROOTBUF
    call read_n
    pop cx
    mov ax, [root_lba]
    add ax, cx
    mov [data_lba], ax

    mov cx, [BPB_ROOTENT]
    mov di, ROOTBUF
.find:
    push cx
    push di
    mov si, file_name
    mov cx, 11
    repe cmpsb
    pop di
    pop cx
    je .found
    add di, 32
    loop .find
    mov si, msg_missing
    jmp fail

.found:
    mov ax, [di+26]
    mov [cluster], ax
    mov ax, [di+28]           ; low 16 bits of the size: HOST.TXT is small
    mov [remaining], ax
    mov ax, [BPB_RSVD]        ; the first FAT
    mov cx, [BPB_SPF]
    mov bx, FATBUF
    call read_n

.next:
    mov ax, [cluster]
    cmp ax, 2
    jb .done
    cmp ax, 0xFF8
    jae .done
    cmp word [remaining], 0
    je .done
    sub ax, 2                 ; LBA = data + (cluster - 2) * sectors per cluster
    xor cx, cx
    mov cl, [BPB_SPC]
    mul cx
    add ax, [data_lba]
    mov bx, DATABUF
    call read_n
    xor cx, cx
    mov ch, [BPB_SPC]
    shl cx, 1                 ; bytes per cluster = SPC * 512
    cmp cx, [remaining]
    jbe .print
    mov cx, [remaining]
.print:
    sub [remaining], cx
    mov si, DATABUF
    pushf                     ; interrupts off while the line goes out (serial.inc, puts)
    cli
.putc_loop:
    lodsb
    call putc
    loop .putc_loop
    popf
    mov ax, [cluster]         ; FAT12 entry n is at n * 3 / 2, 12 bits
    mov bx, ax
    shr bx, 1
    add bx, ax
    mov dx, [FATBUF + bx]
    test al, 1
    jz .even
    shr dx, 4
.even:
    and dx, 0x0FFF
    mov [cluster], dx
    jmp .next

.done:
    mov si, msg_end
    call puts
halt:
    cli
    hlt
    jmp halt

; ax = LBA, cx = count, es:bx = buffer (advanced)
read_n:
    jcxz .ret
.loop:
    push ax
    push cx
    call read_one
    pop cx
    pop ax
    inc ax
    add bx, 512
    loop .loop
.ret:
    ret

; ax = LBA, es:bx = buffer; int 13h AH=02 with CHS from the BPB, four tries
read_one:
    mov si, 4
.try:
    push ax
    xor dx, dx
    div word [BPB_SPT]
    mov cl, dl
    inc cl                    ; sector, 1-based
    xor dx, dx
    div word [BPB_HEADS]
    mov ch, al                ; cylinder
    shl ah, 6
    or cl, ah
    mov dh, dl                ; head
    mov dl, [drive]
    mov ax, 0x0201
    int 0x13
    pop ax
    jnc .ok
    dec si
    jz disk_error
    push ax
    xor ax, ax
    mov dl, [drive]
    int 0x13                  ; reset, then try again
    pop ax
    jmp .try
.ok:
    ret

disk_error:
    mov si, msg_disk
fail:                         ; si = the reason, printed before the end line
    call puts
    jmp short start.done

%include "serial.inc"

file_name   db "HOST    TXT"
msg_begin   db 13, 10, "pxelab floppy: begin", 13, 10, 0
msg_end     db 13, 10, "pxelab floppy: end", 13, 10, 0
msg_missing db "no HOST.TXT", 0
msg_disk    db "disk error", 0
drive       db 0
root_lba    dw 0
data_lba    dw 0
cluster     dw 0
remaining   dw 0

    times 510 - ($ - $$) db 0
    dw 0xAA55
